package io.github.jchannels.client;

import io.github.jchannels.core.Channel;

/**
 * A channel with handlers (the devtools "Subscriptions" tab).
 *
 * @param channel the channel
 * @param handlers how many handlers it has
 * @param joined whether the server confirmed it on the current connection
 */
public record ActiveSubscription(Channel<?> channel, int handlers, boolean joined) {}
