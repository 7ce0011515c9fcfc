package io.github.jchannels.benchmarks.jmh;

import io.github.jchannels.benchmarks.load.Payload;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.Codec;
import io.github.jchannels.core.Decoded;
import io.github.jchannels.core.EventRegistry;
import io.github.jchannels.core.Frame;
import io.github.jchannels.core.Reply;
import io.github.jchannels.core.SessionEvent;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** Encoding and decoding of typical events with the server codec. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CodecBenchmark {
  private final Codec server = Codec.forServer(EventRegistry.defaults());
  private final SessionEvent.StreamOutput output = Payload.event(123_456, 98_765_432_100L);
  private final SessionEvent.ProgressUpdate progress =
      new SessionEvent.ProgressUpdate("bench", 42, 100, "indexing files");
  private final String sendMessage = "{\"channel\":\"session:bench\",\"type\":\"send_message\","
      + "\"data\":{\"message\":\"hello, please summarise the last build log\","
      + "\"sessionId\":\"bench\",\"timestamp\":1700000000000},\"ref\":\"42\"}";
  private final String subscribe = "{\"channel\":\"global\",\"type\":\"subscribe\","
      + "\"data\":{\"channel\":\"session:bench\"},\"ref\":\"1\"}";
  private final String ping = "{\"channel\":\"global\",\"type\":\"ping\","
      + "\"data\":{\"timestamp\":1700000000000}}";
  private final String invalid = "{\"channel\":\"session:bench\",\"type\":\"send_message\","
      + "\"data\":{\"message\":7}}";

  /** A {@code stream_output} broadcast event (the load harness's frame). */
  @Benchmark
  public Frame encodeStreamOutput() {
    return server.encode(Payload.CHANNEL, output);
  }

  /** A {@code progress_update} with an optional field. */
  @Benchmark
  public Frame encodeProgressUpdate() {
    return server.encode(Payload.CHANNEL, progress);
  }

  /** A {@code reply ok} with a small response map. */
  @Benchmark
  public Frame encodeReply() {
    return server.encodeReply(Channels.session("bench"), "42", Reply.ok(Map.of("id", "m-1")));
  }

  /** The UTF-8 bytes of an encoded frame (made once per frame, shared by receivers). */
  @Benchmark
  public byte[] encodeStreamOutputToUtf8() {
    return server.encode(Payload.CHANNEL, output).utf8();
  }

  /** A client's {@code send_message} request, all checks of PROTOCOL.md section 7. */
  @Benchmark
  public Decoded decodeSendMessage() {
    return server.decode(sendMessage, c -> true);
  }

  /** A {@code global} {@code subscribe}. */
  @Benchmark
  public Decoded decodeSubscribe() {
    return server.decode(subscribe, c -> true);
  }

  /** A {@code global} {@code ping}. */
  @Benchmark
  public Decoded decodePing() {
    return server.decode(ping, c -> true);
  }

  /** A frame failing at {@code invalid_data}. */
  @Benchmark
  public Decoded decodeInvalidData() {
    return server.decode(invalid, c -> true);
  }
}
