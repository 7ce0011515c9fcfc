package io.github.jchannels.server.hostile;

import static io.github.jchannels.server.hostile.Attacker.BINARY;
import static io.github.jchannels.server.hostile.Attacker.CLOSE;
import static io.github.jchannels.server.hostile.Attacker.CONTINUATION;
import static io.github.jchannels.server.hostile.Attacker.PING;
import static io.github.jchannels.server.hostile.Attacker.PONG;
import static io.github.jchannels.server.hostile.Attacker.TEXT;
import static io.github.jchannels.server.hostile.Attacker.frame;
import static io.github.jchannels.server.hostile.Attacker.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.jchannels.server.ChannelServer;
import io.github.jchannels.server.ServerLimits;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Autobahn|Testsuite server cases of sections 1 to 7 (framing, pings and pongs, reserved
 * bits, opcodes, fragmentation, UTF-8, close handshake), reproduced over a real socket, since
 * the suite itself cannot be installed here. Case numbers are Autobahn's
 * ({@code autobahntestsuite/case/caseN_M.py}).
 *
 * <p>Autobahn's fuzzing server echoes; this server speaks the channels protocol, so "echoed"
 * becomes "answered": a text message that is a {@code global} {@code ping} envelope gets its
 * {@code pong}, any other valid text gets {@code error} {@code invalid_message} and the
 * connection stays open (PROTOCOL.md section 7). Binary messages are refused with 1003 (section
 * 1) where Autobahn expects an echo. Where Autobahn accepts either a close frame or a dropped
 * TCP connection, this server must send the close frame with the code.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AutobahnServerCasesTest {
  private ChannelServer server;

  @BeforeAll
  void start() {
    server = Servers.start(ServerLimits.builder().inboundRate(10_000, Duration
        .ofSeconds(1)).build());
  }

  @AfterAll
  void stop() {
    server.close();
  }

  private Attacker open() {
    return Attacker.open(server.port());
  }

  /** The next data frame answers {@code sent}: a pong for a ping envelope, else an error. */
  private static void assertAnswered(Attacker a, String sent) {
    Attacker.Frame f = a.next();
    assertThat(f.opcode()).as(f.toString()).isEqualTo(TEXT);
    if (sent.startsWith("{\"channel\":\"global\",\"type\":\"ping\"")) {
      assertThat(f.type()).as(f.toString()).isEqualTo("pong");
      assertThat(f.json().get("data").get("timestamp").asLong())
          .isEqualTo(Attacker.JSON.valueToTree(parse(sent)).get("data").get("timestamp")
              .asLong());
    } else {
      assertThat(f.type()).as(f.toString()).isEqualTo("error");
      assertThat(f.json().get("data").get("error").asText()).isEqualTo("invalid_message");
    }
  }

  private static Object parse(String json) {
    try {
      return Attacker.JSON.readTree(json);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** The connection is still served: a ping envelope gets its pong. */
  private static void assertStillServed(Attacker a) {
    String p = Attacker.ping(42);
    a.text(p);
    assertAnswered(a, p);
  }

  private static void writeChopped(Attacker a, byte[] bytes, int chop) {
    for (int i = 0; i < bytes.length; i += chop) {
      a.write(Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + chop)));
    }
  }

  private static void assertFails(Attacker a, int code) {
    assertThat(a.awaitClose()).isEqualTo(code);
  }

  // ------------------------------------------------------------------ 1 framing

  @Nested
  class Framing {
    /** 1.1.1 to 1.1.7: text messages of 0, 125, 126, 127, 128, 65535, 65536 bytes. */
    @ParameterizedTest
    @ValueSource(ints = {0, 125, 126, 127, 128, 65535, 65536})
    void case1_1_textOfLength(int length) {
      String text = length == 0 ? "" : Attacker.ping(length, length);
      try (Attacker a = open()) {
        a.text(text);
        assertAnswered(a, text);
        assertStillServed(a);
      }
    }

    /** 1.1.8: 65536 bytes of text written in chops of 997 octets. */
    @Test
    void case1_1_8_textChopped() {
      String text = Attacker.ping(8, 65536);
      try (Attacker a = open()) {
        writeChopped(a, frame(true, TEXT, utf8(text)), 997);
        assertAnswered(a, text);
      }
    }

    /** 1.2.1 to 1.2.8: binary messages; this protocol refuses them with 1003. */
    @ParameterizedTest
    @ValueSource(ints = {0, 125, 126, 127, 128, 65535, 65536})
    void case1_2_binaryIsRefused1003(int length) {
      try (Attacker a = open()) {
        a.send(true, BINARY, new byte[length]);
        assertFails(a, 1003);
      }
    }
  }

  // ------------------------------------------------------------------ 2 pings and pongs

  @Nested
  class PingsAndPongs {
    static Stream<Arguments> pingPayloads() {
      byte[] bin = new byte[] {0x00, (byte) 0xff, (byte) 0xfe, (byte) 0xfd, (byte) 0xfc,
          (byte) 0xfb, 0x00, (byte) 0xff};
      byte[] p125 = new byte[125];
      Arrays.fill(p125, (byte) 0xfe);
      return Stream.of(
          Arguments.of("2.1 no payload", new byte[0], 0),
          Arguments.of("2.2 text payload", utf8("Hello, world!"), 0),
          Arguments.of("2.3 binary payload", bin, 0),
          Arguments.of("2.4 125 octets", p125, 0),
          Arguments.of("2.6 125 octets in chops of 1", p125, 1));
    }

    /** 2.1 to 2.4, 2.6: a ping is answered with a pong carrying its payload. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("pingPayloads")
    void case2_pingIsAnsweredWithItsPayload(String name, byte[] payload, int chop) {
      try (Attacker a = open()) {
        byte[] f = frame(true, PING, payload);
        writeChopped(a, f, chop == 0 ? f.length : chop);
        Attacker.Frame pong = a.read();
        assertThat(pong.opcode()).isEqualTo(PONG);
        assertThat(pong.fin()).isTrue();
        assertThat(pong.payload()).isEqualTo(payload);
        assertStillServed(a);
      }
    }

    /** 2.5: a ping with 126 octets of payload fails the connection with 1002. */
    @Test
    void case2_5_pingOver125Octets() {
      try (Attacker a = open()) {
        a.send(true, PING, new byte[126]);
        assertFails(a, 1002);
      }
    }

    /** 2.7, 2.8: unsolicited pongs (empty, or with a payload) are ignored. */
    @ParameterizedTest
    @ValueSource(strings = {"", "unsolicited pong payload"})
    void case2_7_unsolicitedPongIsIgnored(String payload) {
      try (Attacker a = open()) {
        a.send(true, PONG, utf8(payload));
        assertStillServed(a);
      }
    }

    /** 2.9: an unsolicited pong, then a ping: the ping's pong, nothing for the first. */
    @Test
    void case2_9_pongThenPing() {
      try (Attacker a = open()) {
        a.send(true, PONG, utf8("unsolicited pong payload"));
        a.send(true, PING, utf8("ping payload"));
        Attacker.Frame pong = a.read();
        assertThat(pong.opcode()).isEqualTo(PONG);
        assertThat(pong.text()).isEqualTo("ping payload");
      }
    }

    /**
     * 2.10, 2.11: ten pings in a row. Autobahn checks for ten pongs "although not required by
     * the spec"; this server owes at most one pong per connection (RFC 6455 5.5.3: it may
     * answer only the latest ping), so: the last ping is answered, every pong answers one of
     * the pings, in order.
     */
    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    void case2_10_tenPings(int chop) {
      try (Attacker a = open()) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (int i = 0; i < 10; i++) {
          all.writeBytes(frame(true, PING, utf8("payload-" + i)));
        }
        byte[] bytes = all.toByteArray();
        writeChopped(a, bytes, chop == 0 ? bytes.length : chop);
        int last = -1;
        while (last < 9) {
          Attacker.Frame pong = a.read();
          assertThat(pong.opcode()).isEqualTo(PONG);
          int n = Integer.parseInt(pong.text().substring("payload-".length()));
          assertThat(n).isGreaterThan(last);
          last = n;
        }
        assertStillServed(a);
      }
    }
  }

  // ------------------------------------------------------------------ 3 reserved bits

  @Nested
  class ReservedBits {
    /** 3.1 to 3.7: a frame with RSV bits set (none negotiated) fails with 1002. */
    @ParameterizedTest(name = "rsv={0} opcode={1} after an answered message={2}")
    @MethodSource("cases")
    void case3_reservedBitsFail1002(int rsv, int opcode, boolean first) {
      try (Attacker a = open()) {
        if (first) {
          assertStillServed(a);
        }
        byte[] payload = opcode == CLOSE ? Attacker.closePayload(1000, new byte[0])
            : utf8("Hello, world!");
        a.write(frame(0x80 | rsv << 4 | opcode, payload, payload.length, true));
        assertFails(a, 1002);
      }
    }

    static Stream<Arguments> cases() {
      return Stream.of(
          Arguments.of(4, TEXT, false),      // 3.1 RSV1
          Arguments.of(2, TEXT, true),       // 3.2 RSV2 after a message
          Arguments.of(1, TEXT, true),       // 3.3 RSV3
          Arguments.of(6, TEXT, true),       // 3.4 RSV1 + RSV2
          Arguments.of(5, BINARY, false),    // 3.5 RSV1 + RSV3 on binary
          Arguments.of(3, PING, false),      // 3.6 RSV2 + RSV3 on ping
          Arguments.of(7, CLOSE, false));    // 3.7 all on close
    }
  }

  // ------------------------------------------------------------------ 4 opcodes

  @Nested
  class Opcodes {
    /** 4.1.1 to 4.2.5: reserved data opcodes 3-7 and control opcodes 11-15 fail with 1002. */
    @ParameterizedTest
    @ValueSource(ints = {3, 4, 5, 6, 7, 11, 12, 13, 14, 15})
    void case4_reservedOpcodeFails1002(int opcode) {
      try (Attacker a = open()) {
        assertStillServed(a);
        a.write(frame(0x80 | opcode, utf8("reserved opcode payload"), 23, true));
        assertFails(a, 1002);
      }
    }
  }

  // ------------------------------------------------------------------ 5 fragmentation

  @Nested
  class Fragmentation {
    /** 5.1, 5.2: a fragmented ping or pong fails with 1002. */
    @ParameterizedTest
    @ValueSource(ints = {PING, PONG})
    void case5_1_fragmentedControlFrameFails1002(int opcode) {
      try (Attacker a = open()) {
        a.send(false, opcode, utf8("fragment1"));
        a.send(true, CONTINUATION, utf8("fragment2"));
        assertFails(a, 1002);
      }
    }

    /** 5.3 to 5.5: a text message in two fragments, in one write, chopped, or byte by byte. */
    @ParameterizedTest
    @ValueSource(ints = {0, 7, 1})
    void case5_3_textInTwoFragments(int chop) {
      String text = Attacker.ping(53);
      int half = text.length() / 2;
      try (Attacker a = open()) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(frame(false, TEXT, utf8(text.substring(0, half))));
        b.writeBytes(frame(true, CONTINUATION, utf8(text.substring(half))));
        writeChopped(a, b.toByteArray(), chop == 0 ? b.size() : chop);
        assertAnswered(a, text);
      }
    }

    /** 5.6 to 5.8: a ping between the fragments is answered first, then the message. */
    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    void case5_6_pingBetweenFragments(int chop) {
      String text = Attacker.ping(56);
      int half = text.length() / 2;
      try (Attacker a = open()) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(frame(false, TEXT, utf8(text.substring(0, half))));
        b.writeBytes(frame(true, PING, utf8("ping payload")));
        b.writeBytes(frame(true, CONTINUATION, utf8(text.substring(half))));
        writeChopped(a, b.toByteArray(), chop == 0 ? b.size() : chop);
        Attacker.Frame pong = a.read();
        assertThat(pong.opcode()).isEqualTo(PONG);
        assertThat(pong.text()).isEqualTo("ping payload");
        assertAnswered(a, text);
      }
    }

    /** 5.9 to 5.17, 5.18: continuations with nothing to continue, or a second text start. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("badSequences")
    void case5_badFragmentSequenceFails1002(String name, List<byte[]> frames, int chop) {
      try (Attacker a = open()) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        frames.forEach(b::writeBytes);
        writeChopped(a, b.toByteArray(), chop == 0 ? b.size() : chop);
        assertFails(a, 1002);
      }
    }

    static Stream<Arguments> badSequences() {
      byte[] contFin = frame(true, CONTINUATION, utf8("non-continuation payload"));
      byte[] contMore = frame(false, CONTINUATION, utf8("non-continuation payload"));
      byte[] text = frame(true, TEXT, utf8("Hello, world!"));
      byte[] start = frame(false, TEXT, utf8("fragment1"));
      byte[] startAgain = frame(true, TEXT, utf8("fragment2"));
      byte[] tail = frame(true, CONTINUATION, utf8("fragment3"));
      return Stream.of(
          Arguments.of("5.9 continuation FIN, nothing to continue", List.of(contFin, text), 0),
          Arguments.of("5.10 same, chopped", List.of(contFin, text), 1),
          Arguments.of("5.12 continuation no FIN", List.of(contMore, text), 0),
          Arguments.of("5.13 same, chopped", List.of(contMore, text), 1),
          Arguments.of("5.15 message, then a continuation", List.of(start, tail, tail, text), 0),
          Arguments.of("5.16 continuations then text", List.of(contMore, contFin, text), 0),
          Arguments.of("5.18 two text starts", List.of(start, startAgain), 0));
    }

    /** 5.19, 5.20: five fragments with two pings between them: both pongs, then the answer. */
    @Test
    void case5_19_fragmentsWithPings() {
      String text = Attacker.ping(519);
      int n = text.length() / 5;
      try (Attacker a = open()) {
        a.send(false, TEXT, utf8(text.substring(0, n)));
        a.send(false, CONTINUATION, utf8(text.substring(n, 2 * n)));
        a.send(true, PING, utf8("pongme 1!"));
        assertThat(a.read().text()).isEqualTo("pongme 1!");
        a.send(false, CONTINUATION, utf8(text.substring(2 * n, 3 * n)));
        a.send(false, CONTINUATION, utf8(text.substring(3 * n, 4 * n)));
        a.send(true, PING, utf8("pongme 2!"));
        assertThat(a.read().text()).isEqualTo("pongme 2!");
        a.send(true, CONTINUATION, utf8(text.substring(4 * n)));
        assertAnswered(a, text);
      }
    }
  }

  // ------------------------------------------------------------------ 6 UTF-8

  @Nested
  class Utf8 {
    private static final String VALID = "Hello-\u00b5@\u00df\u00f6\u00e4\u00fc\u00e0\u00e1-UTF-8!!";

    /** 6.1.1 to 6.1.3: empty text, empty fragments, empty fragments around a middle one. */
    @Test
    void case6_1_emptyFragments() {
      try (Attacker a = open()) {
        a.send(true, TEXT, new byte[0]);
        assertAnswered(a, "");
        a.send(false, TEXT, new byte[0]);
        a.send(false, CONTINUATION, new byte[0]);
        a.send(true, CONTINUATION, new byte[0]);
        assertAnswered(a, "");
        a.send(false, TEXT, new byte[0]);
        a.send(false, CONTINUATION, utf8("middle frame payload"));
        a.send(true, CONTINUATION, new byte[0]);
        assertAnswered(a, "middle frame payload");
      }
    }

    /**
     * 6.2.1 to 6.2.4: valid UTF-8 in one frame, and in one fragment per byte, so that every
     * multi-byte character is split between two fragments (valid: RFC 6455 8.1).
     */
    @Test
    void case6_2_validUtf8SplitAnywhereIsAccepted() {
      byte[] b = utf8(VALID);
      try (Attacker a = open()) {
        a.send(true, TEXT, b);
        assertAnswered(a, VALID);
        for (int i = 0; i < b.length; i++) {
          a.send(i == b.length - 1, i == 0 ? TEXT : CONTINUATION, new byte[] {b[i]});
        }
        assertAnswered(a, VALID);
        String env = Attacker.ping(62).replace("}}", "},\"s\":\"\u20ac\ud852\udf62\"}");
        byte[] e = utf8(env);
        int split = env.indexOf('\u20ac') + 1; // inside the three bytes of U+20AC
        a.send(false, TEXT, Arrays.copyOfRange(e, 0, split));
        a.send(true, CONTINUATION, Arrays.copyOfRange(e, split, e.length));
        assertAnswered(a, env);
      }
    }

    /** 6.3.1, 6.3.2: invalid UTF-8 in one frame, and byte by byte, fails with 1007. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void case6_3_invalidUtf8Fails1007(boolean fragmented) {
      byte[] b = HexFormat.of().parseHex("cebae1bdb9cf83cebcceb5eda080656469746564");
      try (Attacker a = open()) {
        if (fragmented) {
          for (int i = 0; i < b.length; i++) {
            a.send(i == b.length - 1, i == 0 ? TEXT : CONTINUATION, new byte[] {b[i]});
          }
        } else {
          a.send(true, TEXT, b);
        }
        assertFails(a, 1007);
      }
    }

    /**
     * 6.4.1 to 6.4.4: the fragment that makes the message invalid fails it with 1007, before
     * the message is finished (fail fast).
     */
    @ParameterizedTest
    @ValueSource(strings = {"f4908080", "eda080"})
    void case6_4_invalidFragmentFailsFast1007(String invalid) {
      try (Attacker a = open()) {
        a.send(false, TEXT, HexFormat.of().parseHex("cebae1bdb9cf83cebcceb5"));
        a.send(false, CONTINUATION, HexFormat.of().parseHex(invalid));
        assertFails(a, 1007); // the third fragment is never sent
      }
    }

    /** 6.5 to 6.23: Markus Kuhn's UTF-8 decoder test sequences, as Autobahn lists them. */
    @ParameterizedTest(name = "{0} valid={1}")
    @MethodSource("sequences")
    void case6_x_utf8Sequences(String hex, boolean valid) {
      byte[] b = HexFormat.of().parseHex(hex);
      try (Attacker a = open()) {
        a.send(true, TEXT, b);
        if (valid) {
          assertAnswered(a, "not a ping");
        } else {
          assertFails(a, 1007);
        }
      }
    }

    static Stream<Arguments> sequences() {
      List<Arguments> out = new ArrayList<>();
      String[] valid = {"68656c6c6f24776f726c64", "68656c6c6fc2a2776f726c64",
          "68656c6c6fe282ac776f726c64", "68656c6c6ff0a4ada2776f726c64",
          "cebae1bdb9cf83cebcceb5", "00", "c280", "e0a080", "f0908080", "7f", "dfbf", "efbfbf",
          "f48fbfbf", "ed9fbf", "ee8080", "efbfbd", "efbfbe", "f08fbfbe".replace("f08f", "f09f"),
          "f48fbfbe", "f48fbfbf"};
      String[] invalid = {"f888808080", "fc8480808080", "f7bfbfbf", "fbbfbfbfbf",
          "fdbfbfbfbfbf", "f4908080", "80", "bf", "80bf", "80bf80", "80bf80bf", "80bf80bf80",
          "80bf80bf80bf", "c0", "e080", "f08080", "f8808080", "fc80808080", "df", "efbf",
          "f7bfbf", "fbbfbfbf", "fdbfbfbfbf", "fe", "ff", "fefeffff", "c0af", "e080af",
          "f08080af", "f8808080af", "fc80808080af", "c1bf", "e09fbf", "f08fbfbf", "f887bfbfbf",
          "fc83bfbfbfbf", "c080", "e08080", "f0808080", "f880808080", "fc8080808080", "eda080",
          "edadbf", "edae80", "edafbf", "edb080", "edbe80", "edbfbf", "eda080edb080",
          "eda080edbfbf", "edadbfedb080", "edadbfedbfbf", "edae80edb080", "edae80edbfbf",
          "edafbfedb080", "edafbfedbfbf"};
      for (String v : valid) {
        out.add(Arguments.of(v, true));
      }
      for (String v : invalid) {
        out.add(Arguments.of(v, false));
      }
      // 3.1 unexpected continuation bytes 0x80..0xbe; 3.2 lonely start characters
      StringBuilder cont = new StringBuilder();
      IntStream.range(0x80, 0xbf).forEach(i -> cont.append(String.format("%02x", i)));
      out.add(Arguments.of(cont.toString(), false));
      int[][] starts = {{0xc0, 0xdf}, {0xe0, 0xef}, {0xf0, 0xf7}, {0xf8, 0xfb}, {0xfc, 0xfd}};
      for (int[] r : starts) {
        StringBuilder s = new StringBuilder();
        IntStream.range(r[0], r[1]).forEach(i -> s.append(String.format("%02x20", i)));
        out.add(Arguments.of(s.toString(), false));
      }
      return out.stream();
    }
  }

  // ------------------------------------------------------------------ 7 close handshake

  @Nested
  class CloseHandshake {
    /** 7.1.1: a message, then a close: the answer, then the close echoed. */
    @Test
    void case7_1_1_messageThenClose() {
      try (Attacker a = open()) {
        assertStillServed(a);
        a.send(true, CLOSE, Attacker.closePayload(1000, new byte[0]));
        assertFails(a, 1000);
        assertThat(a.awaitEof()).isTrue();
      }
    }

    /**
     * 7.1.2 to 7.1.5: after the client's close, a second close, a ping, a message or a
     * fragment get no answer: the next frame is the close, then the TCP connection ends.
     */
    @ParameterizedTest
    @ValueSource(ints = {CLOSE, PING, TEXT, CONTINUATION})
    void case7_1_nothingAfterClose(int after) {
      try (Attacker a = open()) {
        a.send(true, CLOSE, Attacker.closePayload(1000, new byte[0]));
        switch (after) {
          case CLOSE -> a.tryWrite(frame(true, CLOSE, Attacker.closePayload(1000,
              new byte[0])));
          case PING -> a.tryWrite(frame(true, PING, utf8("payload")));
          case TEXT -> a.tryWrite(frame(true, TEXT, utf8(Attacker.ping(71))));
          default -> a.tryWrite(frame(false, TEXT, utf8("fragment1")));
        }
        Attacker.Frame f = a.read();
        assertThat(f.opcode()).as(f.toString()).isEqualTo(CLOSE);
        assertThat(f.closeCode()).isEqualTo(1000);
        assertThat(a.awaitEof()).isTrue();
      }
    }

    /** 7.1.6: a large message, then a close, then a ping: the close completes. */
    @Test
    void case7_1_6_largeMessageThenClose() {
      try (Attacker a = open()) {
        a.send(true, TEXT, utf8(Attacker.ping(716, 256 * 1024)));
        a.send(true, CLOSE, Attacker.closePayload(1000, new byte[0]));
        a.tryWrite(frame(true, PING, utf8("ping payload")));
        assertFails(a, 1000);
      }
    }

    /** 7.3.1: a close without payload: the server closes normally (1000 or no code). */
    @Test
    void case7_3_1_emptyClose() {
      try (Attacker a = open()) {
        a.send(true, CLOSE, new byte[0]);
        assertThat(a.awaitClose()).isIn(1000, 1005);
      }
    }

    /** 7.3.3 to 7.3.5: a code, a reason, a reason of 123 bytes: the close is echoed. */
    @ParameterizedTest
    @ValueSource(ints = {0, 5, 123})
    void case7_3_closeWithReason(int reasonLength) {
      try (Attacker a = open()) {
        a.send(true, CLOSE, Attacker.closePayload(1000, utf8("*".repeat(reasonLength))));
        assertFails(a, 1000);
      }
    }

    /** 7.3.2 (payload of 1 byte) and 7.3.6 (reason of 124 bytes) fail with 1002. */
    @ParameterizedTest
    @ValueSource(ints = {1, 126})
    void case7_3_badClosePayloadFails1002(int payloadLength) {
      byte[] p = payloadLength == 1 ? utf8("a")
          : Attacker.closePayload(1000, utf8("*".repeat(payloadLength - 2)));
      try (Attacker a = open()) {
        a.send(true, CLOSE, p);
        assertFails(a, 1002);
      }
    }

    /** 7.5.1: a close reason that is not valid UTF-8 fails with 1007. */
    @Test
    void case7_5_1_invalidUtf8ReasonFails1007() {
      try (Attacker a = open()) {
        a.send(true, CLOSE, Attacker.closePayload(1000,
            HexFormat.of().parseHex("cebae1bdb9cf83cebcceb5eda080656469746564")));
        assertFails(a, 1007);
      }
    }

    /** 7.7.1 to 7.7.13: valid close codes are answered with the same code or 1000. */
    @ParameterizedTest
    @ValueSource(ints = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999,
        4000, 4999})
    void case7_7_validCloseCodeIsEchoed(int code) {
      try (Attacker a = open()) {
        a.send(true, CLOSE, Attacker.closePayload(code, new byte[0]));
        assertThat(a.awaitClose()).isIn(code, 1000);
      }
    }

    /** 7.9.1 to 7.9.9, 7.13.1, 7.13.2: invalid close codes fail with 1002. */
    @ParameterizedTest
    @ValueSource(ints = {0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999, 5000, 65535})
    void case7_9_invalidCloseCodeFails1002(int code) {
      try (Attacker a = open()) {
        a.send(true, CLOSE, Attacker.closePayload(code, new byte[0]));
        assertFails(a, 1002);
      }
    }
  }

  // ------------------------------------------------------------------ RFC 6455 5.1

  /** An unmasked client frame fails the connection with 1002 (RFC 6455 5.1). */
  @ParameterizedTest
  @ValueSource(ints = {TEXT, PING, CLOSE})
  void unmaskedClientFrameFails1002(int opcode) {
    try (Attacker a = open()) {
      byte[] payload = opcode == CLOSE ? Attacker.closePayload(1000, new byte[0])
          : utf8(Attacker.ping(51));
      a.write(frame(0x80 | opcode, payload, payload.length, false));
      assertFails(a, 1002);
    }
  }
}
