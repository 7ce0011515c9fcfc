/**
 * The Java client of the channels protocol: {@link io.github.jchannels.client.ChannelClient}
 * with its builder, connection states, metrics and message log. Everything transport-specific
 * lives in {@code io.github.jchannels.client.internal} and is not API.
 */
@NullMarked
package io.github.jchannels.client;

import org.jspecify.annotations.NullMarked;
