/**
 * The server transport SPI: how a WebSocket implementation (Java-WebSocket, a Jakarta
 * WebSocket container, Netty, ...) feeds connections into the transport-neutral server core
 * of {@link io.github.jchannels.server.ChannelServer}.
 *
 * <p>The core owns every policy: admission (path, origin, authentication), the connection
 * state machine, handshake and close deadlines, WebSocket pings, rate, size and slow-consumer
 * limits, the registry, metrics and shutdown. A transport only moves bytes:
 *
 * <ul>
 *   <li>{@link io.github.jchannels.server.transport.ServerTransport}: started and stopped by
 *       the server, given a {@link io.github.jchannels.server.transport.TransportContext};</li>
 *   <li>{@link io.github.jchannels.server.transport.TransportContext#connecting}: called by
 *       the transport for each new connection, returns the core's
 *       {@link io.github.jchannels.server.transport.ConnectionEvents} for it (the upgrade
 *       decision, then open, text, binary, ping, pong and close callbacks);</li>
 *   <li>{@link io.github.jchannels.server.transport.TransportConnection}: what the core calls
 *       back (write a shared encoded frame, queued bytes, pause/resume reading, ping, pong,
 *       close, abort).</li>
 * </ul>
 *
 * <p>See {@code docs/transports.md}, "How to write a transport", and the compatibility kit
 * {@code io.github.jchannels.test.transport.ServerTransportKit} in channels-test.
 */
@NullMarked
package io.github.jchannels.server.transport;

import org.jspecify.annotations.NullMarked;
