/** The Java command-line chat client of the demo. */
@NullMarked
package io.github.jchannels.examples.cli;

import org.jspecify.annotations.NullMarked;
