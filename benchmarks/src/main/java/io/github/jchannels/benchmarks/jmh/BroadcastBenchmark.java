package io.github.jchannels.benchmarks.jmh;

import io.github.jchannels.benchmarks.load.Payload;
import io.github.jchannels.core.Codec;
import io.github.jchannels.core.EventRegistry;
import io.github.jchannels.core.Frame;
import io.github.jchannels.core.SubscriptionManager;
import io.github.jchannels.core.transport.Connection;
import java.nio.ByteBuffer;
import java.security.Principal;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
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

/**
 * Server-side fan-out in memory: {@link SubscriptionManager#broadcast} to N no-op connections
 * (one channel), with and without the encoding, so the per-receiver cost of the core is visible
 * without sockets. The no-op connection takes the frame's shared transport form (as the server
 * binding does) so a per-receiver framing cost would show.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BroadcastBenchmark {
  @Param({"100", "1000", "5000"})
  public int subscribers;

  private final Codec codec = Codec.forServer(EventRegistry.defaults());
  private SubscriptionManager manager;
  private Frame frame;
  private long seq;

  /** A connection that only takes the shared bytes, like a transport that queues them. */
  static final class NoOpConnection implements Connection {
    private final String id;
    private final ConcurrentMap<String, Object> attributes = new ConcurrentHashMap<>();
    long bytes;

    NoOpConnection(String id) {
      this.id = id;
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public void send(Frame frame) {
      ByteBuffer b = frame.transportForm(ByteBuffer.class, f -> ByteBuffer.wrap(f.utf8()))
          .duplicate();
      bytes += b.remaining();
    }

    @Override
    public void close(int code, String reason) {}

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public long bufferedBytes() {
      return 0;
    }

    @Override
    public @Nullable Principal principal() {
      return null;
    }

    @Override
    public ConcurrentMap<String, Object> attributes() {
      return attributes;
    }
  }

  @Setup
  public void setUp() {
    manager = new SubscriptionManager(100);
    for (int i = 0; i < subscribers; i++) {
      NoOpConnection c = new NoOpConnection("c" + i);
      manager.register(c);
      manager.subscribe(c, Payload.CHANNEL.name());
    }
    frame = codec.encode(Payload.CHANNEL, Payload.event(1, 2));
  }

  /** Fan-out of an already encoded frame. */
  @Benchmark
  public int fanOutEncodedFrame() {
    return manager.broadcast(Payload.CHANNEL.name(), frame);
  }

  /** Encode once, then fan out: what {@code Publisher.broadcast} does before the sockets. */
  @Benchmark
  public int encodeAndFanOut() {
    return manager.broadcast(codec, Payload.CHANNEL, Payload.event(seq++, 2));
  }
}
