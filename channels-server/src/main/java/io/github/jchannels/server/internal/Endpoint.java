package io.github.jchannels.server.internal;

import io.github.jchannels.core.transport.ConnectionHandler;
import io.github.jchannels.server.Authenticator;
import org.jspecify.annotations.Nullable;

/**
 * A path served on the port: the channels endpoint ({@code main}, handled by the
 * {@link Engine}, which sends {@code connected} itself) or an extra one.
 */
public record Endpoint(String path, @Nullable Authenticator authenticator,
    ConnectionHandler handler, boolean main) {}
