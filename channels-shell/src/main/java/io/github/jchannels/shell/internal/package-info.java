/**
 * Implementation of the shell endpoint: PTY processes (pty4j), streaming UTF-8 decoding,
 * output coalescing, flow control and process-tree teardown. Not an API: may change without
 * notice.
 */
@NullMarked
package io.github.jchannels.shell.internal;

import org.jspecify.annotations.NullMarked;
