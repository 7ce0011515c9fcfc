/**
 * Micrometer binders: {@link io.github.jchannels.micrometer.ChannelServerMetrics} for a
 * {@code ChannelServer} and {@link io.github.jchannels.micrometer.ChannelClientMetrics} for a
 * {@code ChannelClient}. Meter names and their Prometheus forms are listed in docs/metrics.md.
 */
@NullMarked
package io.github.jchannels.micrometer;

import org.jspecify.annotations.NullMarked;
