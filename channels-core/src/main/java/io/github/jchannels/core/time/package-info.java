/**
 * Injected time: a {@link io.github.jchannels.core.time.Scheduler} is the one source of "now" and
 * of timers for every time-dependent part of the library (heartbeats, backoff, rate windows,
 * deadlines, timeouts, presence time-to-live, shell quiet periods). Production code uses
 * {@link io.github.jchannels.core.time.Scheduler#system(String)}; tests use
 * {@link io.github.jchannels.core.time.FakeScheduler} and advance time explicitly, in the manner
 * of Micrometer's {@code MockClock} and OkHttp's {@code TaskFaker}.
 */
@NullMarked
package io.github.jchannels.core.time;

import org.jspecify.annotations.NullMarked;
