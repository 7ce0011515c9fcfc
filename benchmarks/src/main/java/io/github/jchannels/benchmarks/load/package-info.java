/** The load harnesses: fan-out, idle cost, presence, scale-out and shell benchmarks. */
@NullMarked
package io.github.jchannels.benchmarks.load;

import org.jspecify.annotations.NullMarked;
