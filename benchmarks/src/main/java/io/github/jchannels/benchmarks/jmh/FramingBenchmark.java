package io.github.jchannels.benchmarks.jmh;

import io.github.jchannels.benchmarks.load.Payload;
import io.github.jchannels.core.Codec;
import io.github.jchannels.core.EventRegistry;
import io.github.jchannels.core.Frame;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.framing.Framedata;
import org.java_websocket.framing.TextFrame;
import org.java_websocket.util.Charsetfunctions;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-receiver cost of framing: Java-WebSocket's {@code broadcast} builds a new frame
 * buffer (header plus a copy of the payload) for every receiver; the channels server builds one
 * framed buffer per event and hands each receiver a {@code duplicate()} of it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FramingBenchmark {
  private final Draft_6455 draft = new Draft_6455();
  private Framedata textFrame;
  private ByteBuffer shared;

  @Setup
  public void setUp() throws Exception {
    Frame frame = Codec.forServer(EventRegistry.defaults()).encode(Payload.CHANNEL,
        Payload.event(1, 2));
    List<Framedata> frames = draft.createFrames(frame.text(), false);
    textFrame = frames.get(0);
    byte[] payload = frame.utf8();
    ByteBuffer b = ByteBuffer.allocate(payload.length + 2);
    b.put((byte) 0x81).put((byte) payload.length).put(payload).flip();
    shared = b;
    if (!(textFrame instanceof TextFrame) || Charsetfunctions.stringUtf8(
        ((TextFrame) textFrame).getPayloadData()).isEmpty()) {
      throw new IllegalStateException("unexpected frame");
    }
  }

  /** What Java-WebSocket does for each receiver of a broadcast. */
  @Benchmark
  public ByteBuffer perReceiverFraming() {
    return draft.createBinaryFrame(textFrame);
  }

  /** What the channels server does for each receiver: a view of the shared bytes. */
  @Benchmark
  public ByteBuffer sharedFrameDuplicate() {
    return shared.duplicate();
  }
}
