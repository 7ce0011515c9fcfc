/** The generator's model of the families and its emitters; not an API. */
@NullMarked
package io.github.jchannels.typescript.internal;

import org.jspecify.annotations.NullMarked;
