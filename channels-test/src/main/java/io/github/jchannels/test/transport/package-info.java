/**
 * The server transport compatibility kit: {@link
 * io.github.jchannels.test.transport.ServerTransportKit}, an abstract JUnit 5 class a
 * {@link io.github.jchannels.server.transport.ServerTransport} subclasses to prove it speaks the
 * protocol (PROTOCOL.md sections 4 to 7) with the same answers and limits as every other
 * transport, and {@link io.github.jchannels.test.transport.KitClient}, the raw WebSocket client
 * it drives servers with.
 */
@NullMarked
package io.github.jchannels.test.transport;

import org.jspecify.annotations.NullMarked;
