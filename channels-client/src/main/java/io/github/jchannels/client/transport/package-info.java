/**
 * The client transport SPI: how a {@link io.github.jchannels.client.ChannelClient} opens one
 * WebSocket connection. Two transports ship with the client ({@link ClientTransport#jdk()} on
 * {@code java.net.http.WebSocket}, the default, and {@link ClientTransport#javaWebSocket()} on
 * Java-WebSocket); another one implements {@link ClientTransport} and passes the client
 * compatibility kit of {@code channels-test}.
 */
@NullMarked
package io.github.jchannels.client.transport;

import org.jspecify.annotations.NullMarked;
