package io.github.jchannels.server;

import java.util.Map;

/**
 * A snapshot of the server's counters. Counts are totals since start unless named "open".
 *
 * @param openConnections connections open now (every endpoint)
 * @param totalConnections connections accepted since start (after authentication)
 * @param subscriptions subscriptions now (connection-channel pairs)
 * @param channels channels with at least one subscriber now
 * @param messagesIn text messages received
 * @param bytesIn bytes of text messages received (UTF-8 payload)
 * @param messagesOut frames queued for sending (a broadcast to N counts N)
 * @param bytesOut payload bytes queued for sending
 * @param encodedFrames events serialised (a broadcast to N counts 1)
 * @param errorsByCode protocol errors sent, by wire code ({@code invalid_message}, ...,
 *     {@code unauthorized} for rejected credentials), including {@code subscription_error}s
 * @param closesByCode server-initiated closes, by close code (1003, 1008, 1009, 1013, ...)
 * @param slowConsumerCloses connections closed with 1013 for a full outbound buffer
 * @param rateLimitCloses connections closed with 1008 for a persistent rate-limit breach
 * @param handshakeTimeouts TCP connections dropped for not completing the handshake in time
 * @param rejectedHandshakes handshakes refused (wrong path or disallowed origin) or whose
 *     credentials were rejected
 */
public record ServerMetrics(int openConnections, long totalConnections, int subscriptions,
    int channels, long messagesIn, long bytesIn, long messagesOut, long bytesOut,
    long encodedFrames, Map<String, Long> errorsByCode, Map<Integer, Long> closesByCode,
    long slowConsumerCloses, long rateLimitCloses, long handshakeTimeouts,
    long rejectedHandshakes) {

  /** Copies the maps. */
  public ServerMetrics {
    errorsByCode = Map.copyOf(errorsByCode);
    closesByCode = Map.copyOf(closesByCode);
  }
}
