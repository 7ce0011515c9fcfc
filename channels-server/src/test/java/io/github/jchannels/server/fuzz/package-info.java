/**
 * Jazzer fuzz tests: the envelope decoder ({@link io.github.jchannels.core.Codec}'s public
 * entry points) and the server's frame path (bytes over a real connection). See
 * docs/testing.md, "Fuzzing".
 */
@NullMarked
package io.github.jchannels.server.fuzz;

import org.jspecify.annotations.NullMarked;
