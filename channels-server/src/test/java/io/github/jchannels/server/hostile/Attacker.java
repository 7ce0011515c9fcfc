package io.github.jchannels.server.hostile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * A raw WebSocket client that writes whatever bytes a test asks for: frames with any FIN, RSV
 * bits, opcode, mask (or none) and announced length, fragments, half handshakes, and never
 * reads unless asked. Reads server frames one at a time with a timeout. Blocking, one thread.
 */
final class Attacker implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  static final int TEXT = 0x1;
  static final int BINARY = 0x2;
  static final int CONTINUATION = 0x0;
  static final int CLOSE = 0x8;
  static final int PING = 0x9;
  static final int PONG = 0xA;
  /** The close code reported when the TCP connection ends without a close frame. */
  static final int NO_CLOSE_FRAME = 1006;

  /** A frame from the server. */
  record Frame(boolean fin, int rsv, int opcode, byte[] payload) {
    String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }

    /** The close code of a close frame (1005 when it has none). */
    int closeCode() {
      return payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : 1005;
    }

    JsonNode json() {
      try {
        return JSON.readTree(payload);
      } catch (IOException e) {
        throw new AssertionError("not JSON: " + text(), e);
      }
    }

    /** The {@code type} of a JSON text frame, "" for anything else. */
    String type() {
      if (opcode != TEXT) {
        return "";
      }
      JsonNode t = json().get("type");
      return t == null ? "" : t.asText();
    }

    @Override
    public String toString() {
      return "Frame[op=" + opcode + " fin=" + fin + " len=" + payload.length
          + (opcode == TEXT ? " " + text() : "") + "]";
    }
  }

  final Socket socket;
  private final OutputStream out;
  private final DataInputStream in;
  private @Nullable String clientId;

  private Attacker(Socket socket) throws IOException {
    this.socket = socket;
    this.out = socket.getOutputStream();
    this.in = new DataInputStream(socket.getInputStream());
  }

  /** A TCP connection only (no handshake); {@code receiveBuffer} 0 for the default. */
  static Attacker tcp(int port, int receiveBuffer) {
    return tcp(port, receiveBuffer, Duration.ofSeconds(10));
  }

  /** Same, waiting at most {@code connectTimeout} for the TCP connection. */
  static Attacker tcp(int port, int receiveBuffer, Duration connectTimeout) {
    try {
      Socket s = new Socket();
      if (receiveBuffer > 0) {
        s.setReceiveBufferSize(receiveBuffer);
      }
      s.setTcpNoDelay(true);
      s.connect(new InetSocketAddress("127.0.0.1", port), (int) connectTimeout.toMillis());
      s.setSoTimeout(10_000);
      return new Attacker(s);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Connects, upgrades on {@code /ws} and takes {@code connected}. */
  static Attacker open(int port) {
    return open(port, 0);
  }

  /** Same as {@link #open(int)} with a small socket receive buffer (a client that lags). */
  static Attacker open(int port, int receiveBuffer) {
    Attacker a = tcp(port, receiveBuffer);
    String head = a.upgrade("/ws", Map.of());
    if (!head.startsWith("HTTP/1.1 101")) {
      a.close();
      throw new AssertionError("not upgraded: " + head);
    }
    Frame f = a.read();
    if (!"connected".equals(f.type())) {
      a.close();
      throw new AssertionError("expected connected, got " + f);
    }
    a.clientId = f.json().get("data").get("clientId").asText();
    return a;
  }

  /** The {@code clientId} from {@code connected}. */
  String clientId() {
    if (clientId == null) {
      throw new IllegalStateException("not connected");
    }
    return clientId;
  }

  /** The upgrade request for {@code path} with extra headers. */
  static String request(String path, Map<String, String> headers) {
    StringBuilder r = new StringBuilder("GET " + path + " HTTP/1.1\r\n"
        + "Host: 127.0.0.1\r\n"
        + "Upgrade: websocket\r\n"
        + "Connection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        + "Sec-WebSocket-Version: 13\r\n");
    headers.forEach((k, v) -> r.append(k).append(": ").append(v).append("\r\n"));
    return r.append("\r\n").toString();
  }

  /** Sends the upgrade request and returns the response head. */
  String upgrade(String path, Map<String, String> headers) {
    write(request(path, headers).getBytes(StandardCharsets.US_ASCII));
    return readHead();
  }

  /** Reads an HTTP response head up to the blank line. */
  String readHead() {
    try {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      int state = 0;
      while (state < 4) {
        int c = in.read();
        if (c < 0) {
          throw new EOFException("EOF in response head: " + b);
        }
        b.write(c);
        boolean cr = c == '\r' && (state == 0 || state == 2);
        boolean lf = c == '\n' && (state == 1 || state == 3);
        state = cr || lf ? state + 1 : 0;
      }
      return b.toString(StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ------------------------------------------------------------------ writing

  /**
   * Writes raw bytes (blocking while the peer does not read). A write the server refuses because
   * it has already failed the connection (broken pipe, reset: the server may close its socket
   * right after its close frame, RFC 6455 7.1.7) is not an error here: what the server answered
   * is still read, and a test that expected the connection to stay open fails on that read,
   * with this write's exception attached.
   */
  void write(byte[] bytes) {
    try {
      out.write(bytes);
      out.flush();
    } catch (SocketException e) {
      writeFailed = e;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The last write the server refused, if any. */
  private volatile @Nullable SocketException writeFailed;

  /** Writes raw bytes; false when the server has closed the connection. */
  boolean tryWrite(byte[] bytes) {
    try {
      out.write(bytes);
      out.flush();
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * One frame's bytes: {@code b0} carries FIN, RSV and the opcode; {@code announced} is the
   * length put in the header (normally {@code payload.length}); masked with a random key unless
   * {@code mask} is false.
   */
  static byte[] frame(int b0, byte[] payload, long announced, boolean mask) {
    ByteBuffer b = ByteBuffer.allocate(14 + payload.length);
    b.put((byte) b0);
    int m = mask ? 0x80 : 0;
    if (announced <= 125) {
      b.put((byte) (m | announced));
    } else if (announced <= 0xFFFF) {
      b.put((byte) (m | 126));
      b.putShort((short) announced);
    } else {
      b.put((byte) (m | 127));
      b.putLong(announced);
    }
    byte[] key = new byte[4];
    if (mask) {
      ThreadLocalRandom.current().nextBytes(key);
      b.put(key);
    }
    for (int i = 0; i < payload.length; i++) {
      b.put((byte) (payload[i] ^ key[i & 3]));
    }
    byte[] out = new byte[b.position()];
    b.flip().get(out);
    return out;
  }

  /** A masked frame: {@code fin}, {@code opcode}, {@code payload}. */
  static byte[] frame(boolean fin, int opcode, byte[] payload) {
    return frame((fin ? 0x80 : 0) | opcode, payload, payload.length, true);
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Sends one masked frame. */
  void send(boolean fin, int opcode, byte[] payload) {
    write(frame(fin, opcode, payload));
  }

  /** Sends one masked, unfragmented text frame. */
  void text(String s) {
    send(true, TEXT, utf8(s));
  }

  /** The payload of a close frame with {@code code} and {@code reason}. */
  static byte[] closePayload(int code, byte[] reason) {
    ByteBuffer b = ByteBuffer.allocate(2 + reason.length);
    b.putShort((short) code).put(reason);
    return b.array();
  }

  /** The envelope of a {@code global} {@code ping} with {@code timestamp}. */
  static String ping(long timestamp) {
    return "{\"channel\":\"global\",\"type\":\"ping\",\"data\":{\"timestamp\":" + timestamp + "}}";
  }

  /** The same, padded with an ignored field to exactly {@code size} bytes. */
  static String ping(long timestamp, int size) {
    String head = "{\"channel\":\"global\",\"type\":\"ping\",\"data\":{\"timestamp\":" + timestamp
        + "},\"pad\":\"";
    int pad = size - head.length() - 2;
    if (pad < 0) {
      throw new IllegalArgumentException("too small: " + size);
    }
    return head + "x".repeat(pad) + "\"}";
  }

  // ------------------------------------------------------------------ reading

  /** The next frame from the server, within 30 s (a bound for a loaded machine). */
  Frame read() {
    return read(Duration.ofSeconds(30));
  }

  /** The next frame from the server within {@code timeout}; AssertionError on timeout. */
  Frame read(Duration timeout) {
    try {
      socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
      int b0 = in.readUnsignedByte();
      int b1 = in.readUnsignedByte();
      long len = b1 & 0x7F;
      if (len == 126) {
        len = in.readUnsignedShort();
      } else if (len == 127) {
        len = in.readLong();
      }
      if ((b1 & 0x80) != 0) {
        throw new AssertionError("the server masked a frame");
      }
      if (len > 64 * 1024 * 1024) {
        throw new AssertionError("server frame of " + len + " bytes");
      }
      byte[] payload = in.readNBytes((int) len);
      if (payload.length < len) {
        throw new EOFException("EOF in a frame");
      }
      return new Frame((b0 & 0x80) != 0, (b0 >> 4) & 0x7, b0 & 0x0F, payload);
    } catch (SocketTimeoutException e) {
      throw new AssertionError("no frame within " + timeout, e);
    } catch (IOException e) {
      UncheckedIOException u = new UncheckedIOException(e);
      SocketException w = writeFailed;
      if (w != null) {
        u.addSuppressed(w);
      }
      throw u;
    }
  }

  /** The next frame that is not a server ping (answered automatically, as a client must). */
  Frame next() {
    while (true) {
      Frame f = read();
      if (f.opcode() == PING) {
        write(frame(true, PONG, f.payload()));
        continue;
      }
      return f;
    }
  }

  /**
   * Reads until the server's close frame and returns its code, answering it; skips data and
   * control frames before it. {@link #NO_CLOSE_FRAME} if the TCP connection ends without one.
   */
  int awaitClose() {
    while (true) {
      Frame f;
      try {
        f = read();
      } catch (UncheckedIOException e) {
        return NO_CLOSE_FRAME;
      }
      if (f.opcode() == CLOSE) {
        tryWrite(frame(true, CLOSE, f.payload().length >= 2
            ? new byte[] {f.payload()[0], f.payload()[1]} : new byte[0]));
        return f.closeCode();
      }
    }
  }

  /** True once the server has ended the TCP connection (EOF or reset) within 10 s. */
  boolean awaitEof() {
    try {
      socket.setSoTimeout(10_000);
      while (true) {
        if (in.read() < 0) {
          return true;
        }
      }
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  /** Sends a {@code ping} envelope and expects its {@code pong} as the next data frame. */
  void assertServed(Duration within) {
    long ts = System.nanoTime();
    text(ping(ts));
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      Duration left = Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime()));
      Frame f = read(left);
      if (f.opcode() == PING) {
        write(frame(true, PONG, f.payload()));
        continue;
      }
      if (f.opcode() == TEXT && "pong".equals(f.type())
          && f.json().get("data").get("timestamp").asLong() == ts) {
        return;
      }
      throw new AssertionError("expected our pong, got " + f);
    }
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // closing anyway
    }
  }
}
