/** Internals of the Redis broker: scripts, key names, wire format, per-channel gap filling. */
@NullMarked
package io.github.jchannels.redis.internal;

import org.jspecify.annotations.NullMarked;
