package io.github.jchannels.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.jchannels.core.Channels;
import io.github.jchannels.core.SessionEvent;
import io.github.jchannels.core.time.FakeScheduler;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** PROTOCOL.md section 7: a peer that does not read is closed with 1013, memory released. */
class SlowConsumerTest {
  static final int LIMIT = 256 * 1024;
  ChannelServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void peerThatStopsReadingIsClosedWith1013AndHeapStaysBounded() throws Exception {
    // Fake time: the peer reads its close frame only after the flood below, which takes longer
    // than the 5 s close timeout on a loaded machine; the timeout is the other test's subject.
    FakeScheduler time = new FakeScheduler();
    server = ChannelServer.builder().host("127.0.0.1").port(0).scheduler(time)
        .limits(ServerLimits.builder().maxFrameSize(LIMIT).maxBufferedBytes(LIMIT).build())
        .build().start();
    URI uri = URI.create("ws://127.0.0.1:" + server.port() + "/ws");
    try (RawSocket raw = new RawSocket(server.port(), 4096);
        TestClient reader = TestClient.connect(uri)) {
      raw.write(RawSocket.request("/ws", true));
      assertThat(raw.readHead()).startsWith("HTTP/1.1 101");
      String sub =
          "{\"channel\":\"global\",\"type\":\"subscribe\",\"data\":{\"channel\":\"session:floo"
              + "d\"}}";
      raw.out.write(maskedText(sub));
      raw.out.flush();
      await().until(() -> server.subscriberCount(Channels.session("flood")) == 1);
      reader.join("session:flood", true); // a reading subscriber keeps getting everything

      MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
      System.gc();
      long heapBefore = memory.getHeapMemoryUsage().getUsed();
      String chunk = "x".repeat(32 * 1024);
      long maxBuffered = 0;
      int sent = 0;
      // up to 64 MiB at a peer that reads nothing
      while (server.metrics().slowConsumerCloses() == 0 && sent < 2048) {
        server.broadcast(Channels.session("flood"),
            new SessionEvent.StreamOutput("flood", chunk, sent++));
        for (ConnectionInfo c : server.connections()) {
          maxBuffered = Math.max(maxBuffered, c.bufferedBytes());
        }
        reader.take(); // the reading subscriber keeps up
      }
      assertThat(server.metrics().slowConsumerCloses()).isEqualTo(1);
      assertThat(maxBuffered).isLessThanOrEqualTo(LIMIT + 2L * (chunk.length() + 200));
      // keep flooding: nothing more is queued for the closed peer
      for (int i = 0; i < 512; i++) {
        server.broadcast(Channels.session("flood"), new SessionEvent.StreamOutput("flood", chunk,
            i));
        reader.take();
      }
      System.gc();
      long heapAfter = memory.getHeapMemoryUsage().getUsed();
      System.out.printf("flooded %d frames of 32 KiB before 1013; max buffered %d; heap %+d%n",
          sent, maxBuffered, heapAfter - heapBefore);
      assertThat(heapAfter - heapBefore).as("heap growth").isLessThan(48L * 1024 * 1024);
      // the peer that finally reads finds the frames it had, then a close frame with 1013
      assertThat(raw.readUntilClose()).isEqualTo(1013);
      reader.assertAlive();
      assertThat(server.metrics().closesByCode()).containsEntry(1013, 1L);
    }
  }

  @Test
  void slowConsumerThatNeverReadsIsDroppedAfterTheCloseTimeout() throws Exception {
    FakeScheduler time = new FakeScheduler();
    server = ChannelServer.builder().host("127.0.0.1").port(0).scheduler(time)
        .limits(ServerLimits.builder().maxFrameSize(LIMIT).maxBufferedBytes(LIMIT)
            .closeTimeout(Duration.ofMillis(500)).build())
        .build().start();
    try (RawSocket raw = new RawSocket(server.port(), 4096)) {
      raw.write(RawSocket.request("/ws", true));
      assertThat(raw.readHead()).startsWith("HTTP/1.1 101");
      raw.out.write(maskedText(
          "{\"channel\":\"global\",\"type\":\"subscribe\",\"data\":{\"channel\":\"session:f2\"}}"));
      raw.out.flush();
      await().until(() -> server.subscriberCount(Channels.session("f2")) == 1);
      String chunk = "y".repeat(32 * 1024);
      for (int i = 0; i < 2048 && server.metrics().slowConsumerCloses() == 0; i++) {
        server.broadcast(Channels.session("f2"), new SessionEvent.StreamOutput("f2", chunk, i));
      }
      assertThat(server.metrics().slowConsumerCloses()).isEqualTo(1);
      // it never answers the close frame: by the close timeout its TCP connection and queue
      // are released anyway (Java-WebSocket drops it earlier, once the close frame is written)
      time.advance(Duration.ofMillis(500));
      await().atMost(Duration.ofSeconds(5)).until(() -> server.connections().isEmpty());
      assertThat(server.subscriberCount(Channels.session("f2"))).isZero();
    }
  }

  /** A client-to-server (masked) text frame. */
  static byte[] maskedText(String text) {
    byte[] payload = text.getBytes(StandardCharsets.UTF_8);
    if (payload.length >= 126) {
      throw new IllegalArgumentException("short frames only");
    }
    byte[] mask = {1, 2, 3, 4};
    byte[] out = new byte[6 + payload.length];
    out[0] = (byte) 0x81;
    out[1] = (byte) (0x80 | payload.length);
    System.arraycopy(mask, 0, out, 2, 4);
    for (int i = 0; i < payload.length; i++) {
      out[6 + i] = (byte) (payload[i] ^ mask[i % 4]);
    }
    return out;
  }
}
