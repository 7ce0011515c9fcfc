/**
 * The transport-independent heart of channels: event families (sealed interfaces of
 * records), typed channel names, the registry, the {@code {channel, type, data}} codec,
 * the client-side {@link io.github.jchannels.core.EventBus} and the server-side
 * {@link io.github.jchannels.core.SubscriptionManager}.
 */
@NullMarked
package io.github.jchannels.core;

import org.jspecify.annotations.NullMarked;
