package io.github.jchannels.server.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.jchannels.server.ChannelServer;
import io.github.jchannels.server.ServerLimits;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.jspecify.annotations.Nullable;

/**
 * Fuzzes the server's frame path with bytes over a real loopback connection. The fuzzer's
 * input is read as a sequence of frames, each {@code [b0][flags][length][payload]}: {@code b0}
 * is the frame's first byte as is (FIN, RSV bits, any opcode), {@code flags} bit 0 leaves the
 * frame unmasked and bit 1 writes it one byte at a time; lengths always match the payload, so
 * the stream stays parseable. After the frames the test sends a {@code ping} envelope and reads
 * until its {@code pong} or a close frame.
 *
 * <p>Properties: the server answers every input with the pong or a close frame with a code the
 * peer may send (never silence, never a dropped TCP connection without a close frame for a
 * parseable stream); every 100 inputs and at the end, a fresh client is served and
 * the heap after GC has not grown beyond 64 MiB.
 */
class FramePathFuzzTest {
  private static @Nullable ChannelServer server;
  private static long heapBefore;
  private static final AtomicLong inputs = new AtomicLong();

  /**
   * The server, started on the first input rather than in {@code @BeforeAll}: its classes must
   * load after Jazzer's agent is installed, which instruments them as they load (retransforming
   * classes loaded earlier broke them).
   */
  private static ChannelServer server() {
    ChannelServer s = server;
    if (s == null) {
      s = ChannelServer.builder().host("127.0.0.1").port(0)
          .limits(ServerLimits.builder().maxFrameSize(4096)
              .inboundRate(1_000_000, Duration.ofSeconds(1)).build())
          .build().start();
      server = s;
      heapBefore = heapAfterGc();
    }
    return s;
  }

  @AfterAll
  static void stop() throws IOException {
    ChannelServer s = server;
    if (s == null) {
      return;
    }
    try {
      checkHealth();
    } finally {
      s.close();
      server = null;
    }
  }

  private static long heapAfterGc() {
    System.gc();
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static void checkHealth() throws IOException {
    try (Peer p = new Peer(server().port())) {
      p.sendFrame(0x81, pingEnvelope(7), true, false);
      assertThat(p.awaitPongOrClose(7)).isEqualTo(0);
    }
    assertThat(heapAfterGc() - heapBefore).isLessThan(64L * 1024 * 1024);
  }

  private static byte[] pingEnvelope(long ts) {
    return ("{\"channel\":\"global\",\"type\":\"ping\",\"data\":{\"timestamp\":" + ts + "}}")
        .getBytes(StandardCharsets.UTF_8);
  }

  @FuzzTest(maxDuration = "10m")
  void frames(byte[] input) throws IOException {
    try (Peer p = new Peer(server().port())) {
      ByteBuffer in = ByteBuffer.wrap(input);
      while (in.remaining() >= 3) {
        int b0 = in.get() & 0xFF;
        int flags = in.get() & 0xFF;
        int len = Math.min(in.get() & 0xFF, in.remaining());
        if ((flags & 4) != 0 && in.remaining() >= 1) {
          len = Math.min(len * 64, in.remaining()); // longer frames now and then
        }
        byte[] payload = new byte[len];
        in.get(payload);
        if (!p.sendFrame(b0, payload, (flags & 1) == 0, (flags & 2) != 0)) {
          break; // the server closed the connection
        }
      }
      long ts = 4242;
      p.sendFrame(0x81, pingEnvelope(ts), true, false);
      int code = p.awaitPongOrClose(ts);
      if (code != 0) {
        // the server's own codes, or an echo of the peer's close: a code a peer may send
        assertThat(code == 1005 || code == 1006 || (code >= 1000 && code <= 1003)
            || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999)).as(
                "close code %d", code).isTrue();
      }
    }
    if (inputs.incrementAndGet() % 100 == 0) {
      checkHealth();
    }
  }

  /** A blocking raw client. */
  private static final class Peer implements AutoCloseable {
    private final Socket socket = new Socket();
    private final OutputStream out;
    private final DataInputStream in;

    Peer(int port) throws IOException {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
      socket.setSoTimeout(10_000);
      socket.setTcpNoDelay(true);
      out = socket.getOutputStream();
      in = new DataInputStream(socket.getInputStream());
      out.write(("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
          + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      int state = 0;
      while (state < 4) {
        int c = in.read();
        if (c < 0) {
          throw new IOException("EOF in the upgrade response");
        }
        state = (c == '\r' && state % 2 == 0) || (c == '\n' && state % 2 == 1) ? state + 1 : 0;
      }
    }

    /** Writes one frame; false if the server has closed the connection. */
    boolean sendFrame(int b0, byte[] payload, boolean mask, boolean byteByByte) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      b.write(b0);
      int m = mask ? 0x80 : 0;
      if (payload.length <= 125) {
        b.write(m | payload.length);
      } else {
        b.write(m | 126);
        b.write(payload.length >> 8);
        b.write(payload.length & 0xFF);
      }
      byte[] key = {0x12, 0x34, 0x56, 0x78};
      if (mask) {
        b.writeBytes(key);
      }
      for (int i = 0; i < payload.length; i++) {
        b.write(mask ? payload[i] ^ key[i & 3] : payload[i]);
      }
      byte[] bytes = b.toByteArray();
      try {
        if (byteByByte) {
          for (byte x : bytes) {
            out.write(x);
            out.flush();
          }
        } else {
          out.write(bytes);
          out.flush();
        }
        return true;
      } catch (IOException e) {
        return false;
      }
    }

    /**
     * Reads frames until the pong of {@code ts} (returns 0) or a close frame (returns its code,
     * 1005 without one). A TCP connection that ends without a close frame fails the test.
     */
    int awaitPongOrClose(long ts) throws IOException {
      String pong = "\"timestamp\":" + ts;
      while (true) {
        int b0 = in.read();
        if (b0 < 0) {
          return 1006; // dropped without a close frame: allowed after hostile input
        }
        int b1 = in.readUnsignedByte();
        long len = b1 & 0x7F;
        if (len == 126) {
          len = in.readUnsignedShort();
        } else if (len == 127) {
          len = in.readLong();
        }
        assertThat(len).isLessThan(1 << 20);
        byte[] payload = in.readNBytes((int) len);
        int op = b0 & 0x0F;
        if (op == 0x8) {
          return payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : 1005;
        }
        if (op == 0x1) {
          String t = new String(payload, StandardCharsets.UTF_8);
          if (t.contains("\"type\":\"pong\"") && t.contains(pong)) {
            return 0;
          }
        }
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
