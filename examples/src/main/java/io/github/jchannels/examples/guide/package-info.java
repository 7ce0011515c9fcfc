/** The code samples of docs/guide.md, compiled and checked against the text. */
@NullMarked
package io.github.jchannels.examples.guide;

import org.jspecify.annotations.NullMarked;
