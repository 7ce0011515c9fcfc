/**
 * An in-memory {@code ChannelServer} for applications' unit tests: the server built from the
 * application's own builder (handlers, authorizers, limits) on a transport with no socket and
 * no port, and test peers that speak the wire protocol through the core codec.
 */
@NullMarked
package io.github.jchannels.test.memory;

import org.jspecify.annotations.NullMarked;
