/**
 * The channels server: {@link io.github.jchannels.server.ChannelServer} binds the protocol of
 * channels-core to a WebSocket server. Everything transport-specific lives in
 * {@code io.github.jchannels.server.internal}, which is not API.
 */
@NullMarked
package io.github.jchannels.server;

import org.jspecify.annotations.NullMarked;
