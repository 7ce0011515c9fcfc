/** The code samples of the README, compiled and checked against the text. */
@NullMarked
package io.github.jchannels.examples.readme;

import org.jspecify.annotations.NullMarked;
