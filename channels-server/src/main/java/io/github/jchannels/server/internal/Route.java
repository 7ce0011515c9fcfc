package io.github.jchannels.server.internal;

import io.github.jchannels.core.Family;
import io.github.jchannels.server.EventHandler;

/** A handler registered for client events of {@code type} on channels of {@code family}. */
public record Route(Family<?> family, Class<?> type, EventHandler<?, ?> handler) {}
