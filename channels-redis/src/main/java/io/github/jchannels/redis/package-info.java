/**
 * A Redis broker for channels: {@link io.github.jchannels.redis.RedisBroker} lets several server
 * nodes share channels, with one {@code seq} order per channel, history in capped Redis streams,
 * and recovery across nodes (PROTOCOL.md sections 11 and 13). See docs/scale-out.md.
 */
@NullMarked
package io.github.jchannels.redis;

import org.jspecify.annotations.NullMarked;
