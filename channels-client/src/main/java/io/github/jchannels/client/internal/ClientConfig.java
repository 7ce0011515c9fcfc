package io.github.jchannels.client.internal;

import io.github.jchannels.client.ChannelClient;
import io.github.jchannels.client.ReconnectJitter;
import io.github.jchannels.client.transport.ClientTransport;
import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Event;
import io.github.jchannels.core.EventRegistry;
import io.github.jchannels.core.Family;
import io.github.jchannels.core.time.Scheduler;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.jspecify.annotations.Nullable;

/**
 * The validated settings of a client, as the builder made them. Not API.
 *
 * @param scheduler null when the client makes (and closes) a system scheduler of its own
 * @param maxReconnectAttempts -1 for unlimited
 * @param tokenBlocking whether the token source is a plain supplier that may block
 */
public record ClientConfig(
    URI uri,
    ChannelClient.TokenProvider token,
    boolean tokenBlocking,
    Map<String, String> headers,
    EventRegistry registry,
    ClientTransport transport,
    @Nullable Scheduler scheduler,
    Duration heartbeatInterval,
    Duration pongTimeout,
    boolean useServerHeartbeatInterval,
    Duration initialReconnectDelay,
    Duration maxReconnectDelay,
    int maxReconnectAttempts,
    ReconnectJitter reconnectJitter,
    Duration resetAttemptsAfter,
    int sendQueueCapacity,
    long maxQueuedBytes,
    int inboundEvents,
    long inboundBytes,
    int maxFrameSize,
    Duration connectTimeout,
    Duration requestTimeout,
    Duration joinTimeout,
    int messageLogCapacity,
    long messageLogBytes,
    boolean messageLogPings,
    String name,
    @Nullable SSLContext sslContext,
    @Nullable SSLParameters sslParameters,
    @Nullable InetSocketAddress proxy,
    Map<Family<?>, Function<Channel<?>, ? extends Event>> joins) {}
