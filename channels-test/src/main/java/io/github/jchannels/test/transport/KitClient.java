package io.github.jchannels.test.transport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.jspecify.annotations.Nullable;

/**
 * A raw RFC 6455 client on a blocking socket, for transport tests: it does the upgrade by hand
 * (so a refusal's HTTP status is visible), writes any frame (masked or not, fragmented, binary,
 * control), can stop reading (a slow consumer), and reads every frame the server sends. No
 * thread of its own; every read waits at most {@link #TIMEOUT} (real time). Not thread-safe.
 */
public final class KitClient implements AutoCloseable {
  /** How long a read waits for the server. */
  public static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

  /** Opcodes. */
  public static final int CONTINUATION = 0x0;
  /** Text frame. */
  public static final int TEXT = 0x1;
  /** Binary frame. */
  public static final int BINARY = 0x2;
  /** Close frame. */
  public static final int CLOSE = 0x8;
  /** Ping frame. */
  public static final int PING = 0x9;
  /** Pong frame. */
  public static final int PONG = 0xA;

  /**
   * One frame from the server.
   *
   * @param opcode the opcode
   * @param fin whether it is the last frame of its message
   * @param payload its payload
   */
  @SuppressWarnings("ArrayRecordComponent") // a frame read once by a test, never compared
  public record Frame(int opcode, boolean fin, byte[] payload) {
    /** The payload as UTF-8 text. */
    public String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }

    /** The close code of a close frame; 1005 when it carries none. */
    public int closeCode() {
      return payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : 1005;
    }
  }

  private final Socket socket;
  private final OutputStream out;
  private final DataInputStream in;
  private final int status;
  private final Map<String, String> responseHeaders;
  private boolean autoPong = true;
  private @Nullable Frame closeFrame;

  private KitClient(Socket socket, int status, Map<String, String> responseHeaders,
      DataInputStream in) throws IOException {
    this.socket = socket;
    this.out = socket.getOutputStream();
    this.in = in;
    this.status = status;
    this.responseHeaders = responseHeaders;
  }

  /** Opens a TCP (or TLS) connection to {@code uri}'s host and port and sends nothing yet. */
  public static Socket socket(URI uri, @Nullable SSLContext tls, int receiveBuffer)
      throws IOException {
    boolean secure = "wss".equals(uri.getScheme());
    int port = uri.getPort() > 0 ? uri.getPort() : secure ? 443 : 80;
    Socket s = new Socket();
    if (receiveBuffer > 0) {
      s.setReceiveBufferSize(receiveBuffer);
    }
    s.connect(new InetSocketAddress(uri.getHost(), port), (int) TIMEOUT.toMillis());
    s.setSoTimeout((int) TIMEOUT.toMillis());
    s.setTcpNoDelay(true);
    if (secure) {
      if (tls == null) {
        s.close();
        throw new IllegalArgumentException("wss:// needs a client TLS context");
      }
      SSLSocket ssl = (SSLSocket) tls.getSocketFactory().createSocket(s, uri.getHost(), port,
          true);
      ssl.setUseClientMode(true);
      ssl.startHandshake();
      return ssl;
    }
    return s;
  }

  /** Upgrades to a WebSocket at {@code uri} with these extra request headers. */
  public static KitClient open(URI uri, Map<String, String> headers, @Nullable SSLContext tls)
      throws IOException {
    return open(uri, headers, tls, 0);
  }

  /**
   * Upgrades with a socket receive buffer of {@code receiveBuffer} bytes (0: the default), for
   * a client that stops reading. Check {@link #status()}: a refused upgrade is no exception.
   */
  public static KitClient open(URI uri, Map<String, String> headers, @Nullable SSLContext tls,
      int receiveBuffer) throws IOException {
    Socket s = socket(uri, tls, receiveBuffer);
    try {
      byte[] nonce = new byte[16];
      RANDOM.nextBytes(nonce);
      String key = Base64.getEncoder().encodeToString(nonce);
      String target = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
      StringBuilder req = new StringBuilder()
          .append("GET ").append(target).append(" HTTP/1.1\r\n")
          .append("Host: ").append(uri.getHost()).append(':').append(uri.getPort()).append("\r\n")
          .append("Upgrade: websocket\r\nConnection: Upgrade\r\n")
          .append("Sec-WebSocket-Key: ").append(key).append("\r\n")
          .append("Sec-WebSocket-Version: 13\r\n");
      headers.forEach((k, v) -> req.append(k).append(": ").append(v).append("\r\n"));
      req.append("\r\n");
      s.getOutputStream().write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
      String head = readHead(in);
      String[] lines = head.split("\r\n", -1);
      String[] statusLine = lines[0].split(" ", 3);
      int status = Integer.parseInt(statusLine[1]);
      Map<String, String> response = new LinkedHashMap<>();
      for (int i = 1; i < lines.length; i++) {
        int c = lines[i].indexOf(':');
        if (c > 0) {
          response.put(lines[i].substring(0, c).strip().toLowerCase(Locale.ROOT),
              lines[i].substring(c + 1).strip());
        }
      }
      if (status == 101) {
        String accept = response.get("sec-websocket-accept");
        if (!expectedAccept(key).equals(accept)) {
          throw new IOException("Bad Sec-WebSocket-Accept: " + accept);
        }
      }
      return new KitClient(s, status, response, in);
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
  }

  private static String expectedAccept(String key) {
    try {
      byte[] sha = MessageDigest.getInstance("SHA-1")
          .digest((key + GUID).getBytes(StandardCharsets.ISO_8859_1));
      return Base64.getEncoder().encodeToString(sha);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String readHead(DataInputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int state = 0;
    while (state < 4) {
      int c = in.read();
      if (c < 0) {
        throw new EOFException("EOF in the response head: " + b);
      }
      b.write(c);
      boolean cr = c == '\r' && (state == 0 || state == 2);
      boolean lf = c == '\n' && (state == 1 || state == 3);
      state = cr || lf ? state + 1 : c == '\r' ? 1 : 0;
      if (b.size() > 65536) {
        throw new IOException("response head too long");
      }
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }

  /** The HTTP status of the upgrade response (101 when upgraded). */
  public int status() {
    return status;
  }

  /** Whether the upgrade succeeded. */
  public boolean upgraded() {
    return status == 101;
  }

  /** A response header of the upgrade, by lower-case name. */
  public @Nullable String responseHeader(String name) {
    return responseHeaders.get(name.toLowerCase(Locale.ROOT));
  }

  /** Whether {@link #take()} and friends answer server pings with pongs; default true. */
  public KitClient autoPong(boolean on) {
    this.autoPong = on;
    return this;
  }

  // ------------------------------------------------------------- writing

  /** Sends one masked text frame. */
  public void sendText(String text) throws IOException {
    sendFrame(TEXT, text.getBytes(StandardCharsets.UTF_8), true, true);
  }

  /** Sends a masked text message in fragments. */
  public void sendFragments(String... parts) throws IOException {
    for (int i = 0; i < parts.length; i++) {
      sendFrame(i == 0 ? TEXT : CONTINUATION, parts[i].getBytes(StandardCharsets.UTF_8),
          i == parts.length - 1, true);
    }
  }

  /** Sends one masked binary frame. */
  public void sendBinary(byte[] bytes) throws IOException {
    sendFrame(BINARY, bytes, true, true);
  }

  /** Sends a masked ping frame. */
  public void sendPing(byte[] payload) throws IOException {
    sendFrame(PING, payload, true, true);
  }

  /** Sends a masked close frame with {@code code}. */
  public void sendClose(int code) throws IOException {
    sendFrame(CLOSE, new byte[] {(byte) (code >>> 8), (byte) code}, true, true);
  }

  /** Sends any frame. */
  public void sendFrame(int opcode, byte[] payload, boolean fin, boolean mask)
      throws IOException {
    ByteArrayOutputStream f = new ByteArrayOutputStream(payload.length + 14);
    f.write((fin ? 0x80 : 0) | opcode);
    int m = mask ? 0x80 : 0;
    if (payload.length < 126) {
      f.write(m | payload.length);
    } else if (payload.length <= 0xFFFF) {
      f.write(m | 126);
      f.write(payload.length >>> 8);
      f.write(payload.length);
    } else {
      f.write(m | 127);
      long len = payload.length;
      for (int i = 7; i >= 0; i--) {
        f.write((int) (len >>> (8 * i)));
      }
    }
    if (mask) {
      byte[] key = new byte[4];
      RANDOM.nextBytes(key);
      f.write(key);
      byte[] masked = new byte[payload.length];
      for (int i = 0; i < payload.length; i++) {
        masked[i] = (byte) (payload[i] ^ key[i & 3]);
      }
      f.write(masked);
    } else {
      f.write(payload);
    }
    out.write(f.toByteArray());
    out.flush();
  }

  /** Sends an envelope; {@code data} is raw JSON, {@code ref} may be null. */
  public void send(String channel, String type, String data, @Nullable String ref)
      throws IOException {
    sendText("{\"channel\":\"" + channel + "\",\"type\":\"" + type + "\",\"data\":" + data
        + (ref == null ? "" : ",\"ref\":\"" + ref + "\"") + "}");
  }

  // ------------------------------------------------------------- reading

  /** The next frame from the server, whatever it is. */
  public Frame readFrame() throws IOException {
    int b0 = in.readUnsignedByte();
    int b1 = in.readUnsignedByte();
    if ((b1 & 0x80) != 0) {
      throw new IOException("The server masked a frame (RFC 6455 5.1)");
    }
    long len = b1 & 0x7F;
    if (len == 126) {
      len = in.readUnsignedShort();
    } else if (len == 127) {
      len = in.readLong();
    }
    if (len > Integer.MAX_VALUE - 16) {
      throw new IOException("frame too long: " + len);
    }
    byte[] payload = new byte[(int) len];
    in.readFully(payload);
    Frame f = new Frame(b0 & 0x0F, (b0 & 0x80) != 0, payload);
    if (f.opcode() == CLOSE && closeFrame == null) {
      closeFrame = f;
    }
    return f;
  }

  /** The next complete text message (fragments joined); pings answered, pongs skipped. */
  public String takeText() throws IOException {
    ByteArrayOutputStream msg = null;
    while (true) {
      Frame f = readFrame();
      switch (f.opcode()) {
        case PING -> {
          if (autoPong) {
            sendFrame(PONG, f.payload(), true, true);
          }
        }
        case PONG -> { }
        case CLOSE -> throw new IOException("closed by the server with " + f.closeCode()
            + " while a message was expected");
        case TEXT, CONTINUATION -> {
          if (msg == null) {
            msg = new ByteArrayOutputStream();
          }
          msg.write(f.payload());
          if (f.fin()) {
            return msg.toString(StandardCharsets.UTF_8);
          }
        }
        default -> throw new IOException("unexpected frame " + f.opcode());
      }
    }
  }

  /** The next text message as JSON. */
  public JsonNode take() throws IOException {
    return JSON.readTree(takeText());
  }

  /**
   * Reads until the server's close frame (skipping data frames, answering pings) and returns
   * its code; answers the close.
   */
  public int awaitClose() throws IOException {
    Frame c = closeFrame;
    while (c == null) {
      Frame f = readFrame();
      if (f.opcode() == PING && autoPong) {
        sendFrame(PONG, f.payload(), true, true);
      }
      c = closeFrame;
    }
    try {
      sendFrame(CLOSE, c.payload().length >= 2 ? new byte[] {c.payload()[0], c.payload()[1]}
          : new byte[0], true, true);
    } catch (IOException e) {
      // the server may have dropped the connection already
    }
    return c.closeCode();
  }

  /**
   * Whether the server ended the TCP connection (EOF or reset) within {@link #TIMEOUT},
   * skipping whatever it still sends.
   */
  public boolean isClosedByPeer() {
    try {
      byte[] buf = new byte[8192];
      while (in.read(buf) >= 0) {
        // skip
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  /** The underlying socket. */
  public Socket rawSocket() {
    return socket;
  }

  /** Closes the socket (no close handshake). */
  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
