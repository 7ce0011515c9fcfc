/** JMH microbenchmarks of the codec, framing, event bus and broadcast. */
@NullMarked
package io.github.jchannels.benchmarks.jmh;

import org.jspecify.annotations.NullMarked;
