package io.github.jchannels.client.internal;

import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Event;
import io.github.jchannels.core.EventRegistry;
import io.github.jchannels.core.Family;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/** The validated settings of a client, as the builder made them. Not API. */
public record ClientConfig(
    URI uri,
    Supplier<? extends @Nullable String> token,
    Map<String, String> headers,
    EventRegistry registry,
    Duration heartbeatInterval,
    Duration pongTimeout,
    boolean useServerHeartbeatInterval,
    Duration initialReconnectDelay,
    Duration maxReconnectDelay,
    /* -1 = unlimited */
    int maxReconnectAttempts,
    double reconnectJitter,
    int sendQueueCapacity,
    Duration connectTimeout,
    Duration requestTimeout,
    int messageLogCapacity,
    Clock clock,
    String name,
    @Nullable SSLContext sslContext,
    Map<Family<?>, Function<Channel<?>, ? extends Event>> joins) {}
