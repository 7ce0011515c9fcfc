package io.github.jchannels.benchmarks.jmh;

import io.github.jchannels.benchmarks.load.Payload;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.EventBus;
import io.github.jchannels.core.SessionEvent;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/** Client-side dispatch: {@link EventBus#emit} to the handlers of one channel. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class EventBusBenchmark {
  @Param({"1", "4"})
  public int handlers;

  private EventBus bus;
  private final SessionEvent event = Payload.event(1, 2);

  @Setup
  public void setUp(Blackhole bh) {
    bus = new EventBus();
    for (int i = 0; i < handlers; i++) {
      bus.on(Payload.CHANNEL, e -> {
        switch (e) {
          case SessionEvent.StreamOutput o -> bh.consume(o.message());
          default -> bh.consume(e);
        }
      });
    }
    // other channels, so the lookup is not in a one-entry map
    for (int i = 0; i < 100; i++) {
      bus.on(Channels.session("other" + i), bh::consume);
    }
  }

  /** One event to every handler of {@code session:bench}. */
  @Benchmark
  public int emit() {
    return bus.emit(Payload.CHANNEL, event);
  }
}
