/**
 * The in-memory transport: connections without sockets, which record every frame sent to them
 * and let a test play the peer. For unit tests of code built on channels, not a substitute for
 * tests over real sockets.
 */
@NullMarked
package io.github.jchannels.core.memory;

import org.jspecify.annotations.NullMarked;
