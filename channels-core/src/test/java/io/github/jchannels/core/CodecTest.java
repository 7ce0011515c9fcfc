package io.github.jchannels.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CodecTest {
  private final EventRegistry registry =
      EventRegistry.builder().withDefaults().add(WorkflowEvent.FAMILY).build();
  private final Codec server = Codec.forServer(registry);
  private final Codec client = Codec.forClient(registry);

  static Stream<Arguments> serverToClientEvents() {
    return Stream.of(
        Arguments.of(Channels.global(),
            new GlobalEvent.Connected("c1", 1_700_000_000_000L, 30_000)),
        Arguments.of(Channels.global(), new GlobalEvent.SubscriptionSuccess("session:1")),
        Arguments.of(Channels.global(),
            new GlobalEvent.SubscriptionError("session:1", "unauthorized", "no")),
        Arguments.of(Channels.global(), new GlobalEvent.Unsubscribed("session:1")),
        Arguments.of(Channels.global(), new GlobalEvent.Pong(42)),
        Arguments.of(Channels.global(),
            new GlobalEvent.ProtocolError("invalid_data", "bad", "session:1")),
        Arguments.of(Channels.global(),
            new GlobalEvent.ProtocolError("invalid_message", "bad", null)),
        Arguments.of(Channels.session("1"), new SessionEvent.StreamOutput("1", "héllo 漢 😀", 5)),
        Arguments.of(Channels.session("1"), new SessionEvent.MessageComplete("1", "m-1")),
        Arguments.of(Channels.session("1"), new SessionEvent.SessionError("1", "boom")),
        Arguments.of(Channels.session("1"), new SessionEvent.SubscribeSuccess("1")),
        Arguments.of(Channels.session("1"), new SessionEvent.ProgressUpdate("1", 3, 10, "step")),
        Arguments.of(Channels.session("1"), new SessionEvent.ProgressUpdate("1", 3, 10, null)),
        Arguments.of(Channels.session("1"),
            new SessionEvent.TypingIndicator("1", "u", "Ann", true)),
        Arguments.of(Channels.shell("t"), new ShellEvent.Init("t", 80, 24)),
        Arguments.of(Channels.shell("t"), new ShellEvent.Output("$ ls\r\n")),
        Arguments.of(Channels.shell("t"), new ShellEvent.Exit(7)),
        Arguments.of(Channels.shell("t"), new ShellEvent.ShellError("not_allowed", "no")),
        Arguments.of(WorkflowEvent.FAMILY.channel("run:456"),
            new WorkflowEvent.StepDone("build", 2)));
  }

  static Stream<Arguments> clientToServerEvents() {
    return Stream.of(
        Arguments.of(Channels.global(), new GlobalEvent.Subscribe("session:1")),
        Arguments.of(Channels.global(), new GlobalEvent.Unsubscribe("session:1")),
        Arguments.of(Channels.global(), new GlobalEvent.Ping(123)),
        Arguments.of(Channels.session("1"), new SessionEvent.SendMessage("hi", "1", 9L)),
        Arguments.of(Channels.session("1"), new SessionEvent.SendMessage("hi")),
        Arguments.of(Channels.session("1"),
            new SessionEvent.TypingIndicator("1", "u", "Ann", false)),
        Arguments.of(Channels.shell("t"), new ShellEvent.Init(120, 40)),
        Arguments.of(Channels.shell("t"), new ShellEvent.Input("ls\r")),
        Arguments.of(Channels.shell("t"), new ShellEvent.Resize(100, 30)),
        Arguments.of(WorkflowEvent.FAMILY.channel("run:456"), new WorkflowEvent.Cancel("user")));
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  @ParameterizedTest
  @MethodSource("serverToClientEvents")
  void everyServerEventRoundTripsThroughTheClientCodec(Channel channel, Event event) {
    Frame frame = server.encode(channel, event, "r1");
    Decoded decoded = client.decode(frame.text());
    if (channel.family() == Channels.GLOBAL) {
      assertThat(decoded).isEqualTo(new Decoded.Control((GlobalEvent) event, "r1"));
    } else {
      assertThat(decoded).isEqualTo(new Decoded.Message(channel, event, "r1"));
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  @ParameterizedTest
  @MethodSource("clientToServerEvents")
  void everyClientEventRoundTripsThroughTheServerCodec(Channel channel, Event event) {
    Frame frame = client.encode(channel, event);
    Decoded decoded = server.decode(frame.text());
    if (channel.family() == Channels.GLOBAL) {
      assertThat(decoded).isEqualTo(new Decoded.Control((GlobalEvent) event, null));
    } else {
      assertThat(decoded).isEqualTo(new Decoded.Message(channel, event, null));
    }
  }

  @Test
  void aClientCodecReadsTheStreamPositionOfABroadcast() {
    String base = "{\"channel\":\"session:1\",\"type\":\"stream_output\",\"data\":"
        + "{\"sessionId\":\"1\",\"message\":\"hi\",\"timestamp\":7}";
    SessionEvent.StreamOutput event = new SessionEvent.StreamOutput("1", "hi", 7);
    assertThat(client.decode(base + ",\"seq\":42,\"epoch\":\"e7\"}")).isEqualTo(
        new Decoded.Message(Channels.session("1"), event, null, new GlobalEvent.Since("e7", 42)));
    // malformed or partial positions are ignored, as a version 1 peer ignores both fields
    for (String tail : List.of("}", ",\"seq\":42}", ",\"epoch\":\"e7\"}",
        ",\"seq\":0,\"epoch\":\"e7\"}", ",\"seq\":\"42\",\"epoch\":\"e7\"}",
        ",\"seq\":4.5,\"epoch\":\"e7\"}", ",\"seq\":42,\"epoch\":\"\"}",
        ",\"seq\":42,\"epoch\":\"" + "x".repeat(65) + "\"}")) {
      assertThat(client.decode(base + tail)).as(tail)
          .isEqualTo(new Decoded.Message(Channels.session("1"), event, null));
    }
    // a server codec never takes a position from a client
    String send = "{\"channel\":\"session:1\",\"type\":\"send_message\",\"data\":"
        + "{\"message\":\"hi\"},\"seq\":3,\"epoch\":\"e7\"}";
    assertThat(server.decode(send)).isInstanceOfSatisfying(Decoded.Message.class,
        m -> assertThat(m.position()).isNull());
  }

  @Test
  void encodesTheEnvelopeOfTheProtocol() {
    Frame f =
        server.encode(Channels.session("abc123"), new SessionEvent.StreamOutput("abc123", "hi", 7),
        "7");
    assertThat(f.text()).isEqualTo(
        "{\"channel\":\"session:abc123\",\"type\":\"stream_output\",\"data\":"
            + "{\"sessionId\":\"abc123\",\"message\":\"hi\",\"timestamp\":7},\"ref\":\"7\"}");
    assertThat(
        server.encode(Channels.session("1"), new SessionEvent.TypingIndicator("1", "u", "A", true))
        .text())
        .contains("\"isTyping\":true");
    assertThat(
        server.encode(Channels.session("1"), new SessionEvent.ProgressUpdate("1", 1, 2, null))
        .text())
        .doesNotContain("message");
  }

  @Test
  void sidesOnlyEncodeTheirOwnDirection() {
    assertThatThrownBy(() ->
        server.encode(Channels.session("1"), new SessionEvent.SendMessage("x")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not sent by servers");
    assertThatThrownBy(() ->
        client.encode(Channels.session("1"), new SessionEvent.StreamOutput("1", "x", 1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not sent by clients");
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  @Test
  void encodingAnEventOfAnotherFamilyFailsEvenThroughRawTypes() {
    Channel raw = Channels.session("1");
    assertThatThrownBy(() -> server.encode(raw, new ShellEvent.Output("x")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not an event of family 'session'");
  }

  @Test
  void repliesRoundTrip() {
    Frame ok = server.encodeReply(Channels.session("1"), "7", Reply.ok(Map.of("id", "m-1")));
    assertThat(ok.text()).isEqualTo("{\"channel\":\"session:1\",\"type\":\"reply\",\"data\":"
        + "{\"status\":\"ok\",\"response\":{\"id\":\"m-1\"}},\"ref\":\"7\"}");
    assertThat(client.decode(ok.text())).isEqualTo(
        new Decoded.ReplyMessage(Channels.session("1"), "7", Reply.ok(Map.of("id", "m-1"))));
    Frame err = server.encodeReply(Channels.session("1"), "8", Reply.error("forbidden", "no"));
    assertThat(client.decode(err.text()))
        .isEqualTo(new Decoded.ReplyMessage(Channels.session("1"), "8",
        new Reply(Reply.Status.ERROR, Map.of("error", "forbidden", "message", "no"))));
  }

  @Test
  void serverRejectsRepliesFromClients() {
    String text =
        "{\"channel\":\"session:1\",\"type\":\"reply\",\"data\":{\"status\":\"ok\"},\"ref\":\"1\"}";
    assertFailure(server.decode(text), ErrorCode.UNKNOWN_TYPE);
  }

  @Test
  void errorFramesEchoChannelAndRef() {
    Frame f = server.encodeError(ErrorCode.NOT_SUBSCRIBED, "not subscribed", "session:1", "9");
    assertThat(f.text()).isEqualTo("{\"channel\":\"global\",\"type\":\"error\",\"data\":{\"error\":"
        + "\"not_subscribed\",\"message\":\"not subscribed\",\"channel\":\"session:1\"},\"ref\":\""
            + "9\"}");
  }

  // ----------------------------------------------------------- section 7, one code at a time

  static Stream<Arguments> badInput() {
    return Stream.of(
        // invalid_message: not JSON, not an object, missing / mistyped / null fields, bad ref
        Arguments.of("not json", ErrorCode.INVALID_MESSAGE),
        Arguments.of("", ErrorCode.INVALID_MESSAGE),
        Arguments.of("[1,2]", ErrorCode.INVALID_MESSAGE),
        Arguments.of("\"str\"", ErrorCode.INVALID_MESSAGE),
        Arguments.of("{\"type\":\"ping\",\"data\":{\"timestamp\":1}}", ErrorCode.INVALID_MESSAGE),
        Arguments.of("{\"channel\":1,\"type\":\"ping\",\"data\":{}}", ErrorCode.INVALID_MESSAGE),
        Arguments.of("{\"channel\":null,\"type\":\"ping\",\"data\":{}}", ErrorCode.INVALID_MESSAGE),
        Arguments.of("{\"channel\":\"global\",\"data\":{}}", ErrorCode.INVALID_MESSAGE),
        Arguments.of("{\"channel\":\"global\",\"type\":\"Ping\",\"data\":{}}",
            ErrorCode.INVALID_MESSAGE),
        Arguments.of("{\"channel\":\"global\",\"type\":\"ping\"}", ErrorCode.INVALID_MESSAGE),
        Arguments.of("{\"channel\":\"global\",\"type\":\"ping\",\"data\":null}",
            ErrorCode.INVALID_MESSAGE),
        Arguments.of(
            "{\"channel\":\"global\",\"type\":\"ping\",\"data\":{\"timestamp\":1},\"ref\":\"\"}",
            ErrorCode.INVALID_MESSAGE),
        Arguments.of(
            "{\"channel\":\"global\",\"type\":\"ping\",\"data\":{\"timestamp\":1},\"ref\":7}",
            ErrorCode.INVALID_MESSAGE),
        Arguments.of(
            "{\"channel\":\"global\",\"type\":\"ping\",\"data\":{\"timestamp\":1},\"ref\":\""
            + "r".repeat(65) + "\"}", ErrorCode.INVALID_MESSAGE),
        Arguments.of("{\"channel\":\"global\",\"channel\":\"x\",\"type\":\"ping\",\"data\":{}}",
            ErrorCode.INVALID_MESSAGE),
        Arguments.of("{\"channel\":\"global\",\"type\":\"ping\",\"data\":{\"timestamp\":1}",
            ErrorCode.INVALID_MESSAGE),
        // invalid_channel
        Arguments.of("{\"channel\":\"Bad Name\",\"type\":\"ping\",\"data\":{}}",
            ErrorCode.INVALID_CHANNEL),
        Arguments.of(
            "{\"channel\":\"session\",\"type\":\"send_message\",\"data\":{\"message\":\"x\"}}",
            ErrorCode.INVALID_CHANNEL),
        Arguments.of(
            "{\"channel\":\"session:1:2\",\"type\":\"send_message\",\"data\":{\"message\":\"x\"}}",
            ErrorCode.INVALID_CHANNEL),
        Arguments.of("{\"channel\":\"global:1\",\"type\":\"ping\",\"data\":{\"timestamp\":1}}",
            ErrorCode.INVALID_CHANNEL),
        // unknown_channel
        Arguments.of("{\"channel\":\"billing:1\",\"type\":\"pay\",\"data\":{}}",
            ErrorCode.UNKNOWN_CHANNEL),
        // unknown_type: unknown in the family, or not accepted from clients
        Arguments.of("{\"channel\":\"session:1\",\"type\":\"nope\",\"data\":{}}",
            ErrorCode.UNKNOWN_TYPE),
        Arguments.of("{\"channel\":\"session:1\",\"type\":\"stream_output\",\"data\":{}}",
            ErrorCode.UNKNOWN_TYPE),
        Arguments.of("{\"channel\":\"global\",\"type\":\"connected\",\"data\":{}}",
            ErrorCode.UNKNOWN_TYPE),
        // invalid_data
        Arguments.of("{\"channel\":\"global\",\"type\":\"ping\",\"data\":\"x\"}",
            ErrorCode.INVALID_DATA),
        Arguments.of("{\"channel\":\"global\",\"type\":\"ping\",\"data\":{}}",
            ErrorCode.INVALID_DATA),
        Arguments.of(
            "{\"channel\":\"global\",\"type\":\"ping\",\"data\":{\"timestamp\":\"soon\"}}",
            ErrorCode.INVALID_DATA),
        Arguments.of("{\"channel\":\"global\",\"type\":\"ping\",\"data\":{\"timestamp\":\"12\"}}",
            ErrorCode.INVALID_DATA),
        Arguments.of("{\"channel\":\"global\",\"type\":\"ping\",\"data\":{\"timestamp\":1.5}}",
            ErrorCode.INVALID_DATA),
        Arguments.of("{\"channel\":\"global\",\"type\":\"subscribe\",\"data\":{\"channel\":null}}",
            ErrorCode.INVALID_DATA),
        Arguments.of("{\"channel\":\"global\",\"type\":\"subscribe\",\"data\":{\"channel\":5}}",
            ErrorCode.INVALID_DATA),
        Arguments.of("{\"channel\":\"session:1\",\"type\":\"send_message\",\"data\":{}}",
            ErrorCode.INVALID_DATA),
        Arguments.of(
            "{\"channel\":\"session:1\",\"type\":\"send_message\",\"data\":{\"message\":\"x\",\"se"
            + "ssionId\":\"2\"}}", ErrorCode.INVALID_DATA),
        Arguments.of(
            "{\"channel\":\"shell:t\",\"type\":\"resize\",\"data\":{\"cols\":0,\"rows\":10}}",
            ErrorCode.INVALID_DATA),
        Arguments.of("{\"channel\":\"shell:t\",\"type\":\"init\",\"data\":{\"cols\":80}}",
            ErrorCode.INVALID_DATA));
  }

  @ParameterizedTest
  @MethodSource("badInput")
  void badInputGetsItsSectionSevenCode(String text, ErrorCode expected) {
    assertFailure(server.decode(text), expected);
  }

  @Test
  void notSubscribedIsCheckedBeforeTheData() {
    String text =
        "{\"channel\":\"session:1\",\"type\":\"send_message\",\"data\":\"x\",\"ref\":\"5\"}";
    Decoded d = server.decode(text, c -> false);
    assertThat(d).isEqualTo(new Decoded.Failure(ErrorCode.NOT_SUBSCRIBED,
        "not subscribed to 'session:1'", "session:1", "5"));
    assertFailure(server.decode(text, c -> true), ErrorCode.INVALID_DATA);
  }

  @Test
  void globalChannelNeedsNoSubscription() {
    Decoded d =
        server.decode("{\"channel\":\"global\",\"type\":\"ping\",\"data\":{\"timestamp\":1}}", c ->
        false);
    assertThat(d).isEqualTo(new Decoded.Control(new GlobalEvent.Ping(1), null));
  }

  @Test
  void failuresEchoReadableChannelAndRef() {
    Decoded d =
        server.decode("{\"channel\":\"session:1\",\"type\":\"nope\",\"data\":{},\"ref\":\"42\"}");
    assertThat(d).isInstanceOfSatisfying(Decoded.Failure.class, f -> {
      assertThat(f.channel()).isEqualTo("session:1");
      assertThat(f.ref()).isEqualTo("42");
      assertThat(f.message()).isEqualTo("unknown type 'nope' in family 'session'");
    });
  }

  @Test
  void invalidDataMessagesNameTheFieldWithoutInternals() {
    Decoded d =
        server.decode(
        "{\"channel\":\"global\",\"type\":\"ping\",\"data\":{\"timestamp\":\"soon\"}}");
    assertThat(d).isInstanceOfSatisfying(Decoded.Failure.class, f -> {
      assertThat(f.message()).contains("data.timestamp").doesNotContain("io.github")
          .doesNotContain("jackson");
    });
    Decoded missing = server.decode("{\"channel\":\"global\",\"type\":\"ping\",\"data\":{}}");
    assertThat(missing).isInstanceOfSatisfying(Decoded.Failure.class,
        f -> assertThat(f.message()).isEqualTo("'data.timestamp' is required for 'ping'"));
  }

  @Test
  void unknownExtraFieldsAreIgnored() {
    Decoded d =
        server.decode(
        "{\"channel\":\"global\",\"type\":\"ping\",\"data\":{\"timestamp\":1,\"x\":2},"
        + "\"seq\":5,\"epoch\":\"e\",\"future\":[1]}");
    assertThat(d).isEqualTo(new Decoded.Control(new GlobalEvent.Ping(1), null));
  }

  @Test
  void oversizedStringsAreRejectedWithAClearError() {
    Codec small = Codec.forServer(registry, CodecLimits.builder().maxStringLength(1000).build());
    String text = "{\"channel\":\"session:1\",\"type\":\"send_message\",\"data\":{\"message\":\""
        + "x".repeat(1001) + "\"}}";
    assertThat(small.decode(text)).isInstanceOfSatisfying(Decoded.Failure.class, f -> {
      assertThat(f.code()).isEqualTo(ErrorCode.INVALID_MESSAGE);
      assertThat(f.message()).startsWith("frame exceeds a limit").contains("1000");
    });
    String atLimit = text.replace("x".repeat(1001), "x".repeat(1000));
    assertThat(small.decode(atLimit)).isInstanceOf(Decoded.Message.class);
  }

  @Test
  void deepNestingIsRejectedWithAClearError() {
    Codec codec = Codec.forServer(registry, CodecLimits.builder().maxNestingDepth(10).build());
    String deep =
        "{\"channel\":\"session:1\",\"type\":\"send_message\",\"data\":{\"message\":\"x\",\"extra"
        + "\":"
        + "[".repeat(9) + "]".repeat(9) + "}}";
    assertThat(codec.decode(deep)).isInstanceOfSatisfying(Decoded.Failure.class, f -> {
      assertThat(f.code()).isEqualTo(ErrorCode.INVALID_MESSAGE);
      assertThat(f.message()).startsWith("frame exceeds a limit").contains("10");
    });
    String ok = deep.replace("[".repeat(9) + "]".repeat(9), "[".repeat(8) + "]".repeat(8));
    assertThat(codec.decode(ok)).isInstanceOf(Decoded.Message.class);
    String veryDeep = "[".repeat(100_000);
    assertFailure(Codec.forServer(registry).decode(veryDeep), ErrorCode.INVALID_MESSAGE);
  }

  @Test
  void oversizedDocumentIsRejectedWithAClearError() {
    Codec codec = Codec.forServer(registry, CodecLimits.builder().maxDocumentLength(200).build());
    String text = "{\"channel\":\"session:1\",\"type\":\"send_message\",\"data\":{\"message\":\""
        + "x".repeat(300) + "\"}}";
    assertThat(codec.decode(text)).isInstanceOfSatisfying(Decoded.Failure.class, f -> {
      assertThat(f.code()).isEqualTo(ErrorCode.INVALID_MESSAGE);
      assertThat(f.message()).startsWith("frame exceeds a limit");
    });
  }

  @Test
  void limitsRejectNonsenseValues() {
    assertThatThrownBy(() -> CodecLimits.builder().maxNestingDepth(1))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxNestingDepth must be >= 4: 1");
    assertThat(CodecLimits.defaults().maxDocumentLength()).isEqualTo(1024 * 1024);
    assertThat(CodecLimits.defaults().maxNestingDepth()).isEqualTo(64);
    assertThat(CodecLimits.defaults().maxStringLength()).isEqualTo(512 * 1024);
  }

  @Test
  void clientCodecRejectsClientOnlyTypesAndMalformedReplies() {
    assertFailure(
        client.decode(
        "{\"channel\":\"session:1\",\"type\":\"send_message\",\"data\":{\"message\":\"x\"}}"),
        ErrorCode.UNKNOWN_TYPE);
    assertFailure(
        client.decode(
        "{\"channel\":\"session:1\",\"type\":\"reply\",\"data\":{\"status\":\"ok\"}}"),
        ErrorCode.INVALID_MESSAGE);
    assertFailure(
        client.decode(
        "{\"channel\":\"session:1\",\"type\":\"reply\",\"data\":{\"status\":\"maybe\"},\"ref\":\"1"
        + "\"}"),
        ErrorCode.INVALID_DATA);
  }

  @Test
  void eachEncodeIsCountedOnce() {
    long before = server.encodedFrames();
    server.encode(Channels.session("1"), new SessionEvent.SubscribeSuccess("1"));
    server.encodeReply(Channels.session("1"), "1", Reply.ok(null));
    assertThat(server.encodedFrames() - before).isEqualTo(2);
  }

  @Test
  void repliesCarryPlainJsonValues() {
    Frame f = server.encodeReply(Channels.session("1"), "1", Reply.ok(List.of(1, "a", true)));
    Decoded d = client.decode(f.text());
    assertThat(d).isInstanceOfSatisfying(Decoded.ReplyMessage.class,
        r -> assertThat(r.reply().response()).isEqualTo(List.of(1, "a", true)));
  }

  @Test
  void guardsCheckEnvelopesAndFamilies() {
    assertThat(
        Guards.checkEnvelope("{\"channel\":\"session:1\",\"type\":\"stream_output\",\"data\":{}}"))
        .isEmpty();
    assertThat(Guards.checkEnvelope("{\"channel\":\"session:1\"}")).hasValueSatisfying(
        f -> assertThat(f.code()).isEqualTo(ErrorCode.INVALID_MESSAGE));
    assertThat(Guards.checkEnvelope("{\"channel\":\"workflow:1\",\"type\":\"cancel\",\"data\":{}}"))
        .hasValueSatisfying(f -> assertThat(f.code()).isEqualTo(ErrorCode.UNKNOWN_CHANNEL));
    assertThat(
        Guards.checkEnvelope(registry,
        "{\"channel\":\"workflow:1\",\"type\":\"cancel\",\"data\":{}}")).isEmpty();
  }

  private static void assertFailure(Decoded decoded, ErrorCode code) {
    assertThat(decoded).isInstanceOfSatisfying(Decoded.Failure.class,
        f -> assertThat(f.code()).as(f.message()).isEqualTo(code));
  }
}
