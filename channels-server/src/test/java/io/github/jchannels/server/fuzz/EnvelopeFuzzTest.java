package io.github.jchannels.server.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.Codec;
import io.github.jchannels.core.CodecLimits;
import io.github.jchannels.core.Decoded;
import io.github.jchannels.core.Event;
import io.github.jchannels.core.EventRegistry;
import io.github.jchannels.core.Frame;
import io.github.jchannels.core.GlobalEvent;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * Fuzzes the envelope decoder through {@link Codec}'s public entry points, as the server and
 * the client use them on untrusted text. Properties: decoding never throws, whatever the
 * input; a failure's echoed {@code ref} is a legal ref; every failure encodes to an
 * {@code error} that the client side decodes back with the same code; a decoded event
 * re-encodes to text that decodes to the same event.
 *
 * <p>In the default build the seed corpus ({@code EnvelopeFuzzTestInputs/decode}) is replayed
 * by the default test execution and fuzzed for a bounded number of runs by the
 * {@code fuzz-envelope} execution (channels-server/pom.xml).
 */
class EnvelopeFuzzTest {
  /**
   * The codecs, created on the first input: the classes behind them (the envelope parser,
   * Jackson) must load after Jazzer's agent attached, or they are not instrumented and the
   * fuzzer runs without coverage feedback (a static field of this class is initialised before).
   */
  private static final class Codecs {
    static final Codec SERVER = Codec.forServer(EventRegistry.defaults(),
        CodecLimits.builder().maxDocumentLength(64 * 1024).build());
    static final Codec CLIENT = Codec.forClient(EventRegistry.defaults());
  }

  @FuzzTest(maxDuration = "10m")
  void decode(byte[] input) {
    String text = new String(input, StandardCharsets.UTF_8);
    Decoded server = Codecs.SERVER.decode(text);
    Decoded client = Codecs.CLIENT.decode(text);
    Codecs.SERVER.checkEnvelope(text).ifPresent(f -> assertThat(server)
        .as("decode fails as checkEnvelope does").isInstanceOf(Decoded.Failure.class)
        .extracting(d -> ((Decoded.Failure) d).code()).isEqualTo(f.code()));
    check(Codecs.SERVER, Codecs.CLIENT, server);
    check(Codecs.CLIENT, Codecs.SERVER, client);
  }

  /**
   * Checks what {@code decoder} made of the input; {@code sender} is the codec of the side
   * that sends what {@code decoder} receives (a codec encodes only what its side sends).
   */
  private static void check(Codec decoder, Codec sender, Decoded d) {
    switch (d) {
      case Decoded.Failure f -> {
        if (f.ref() != null) {
          assertThat(f.ref().length()).isBetween(1, 64);
        }
        Frame error = Codecs.SERVER.encodeError(f); // what the server answers a failure with
        Decoded back = Codecs.CLIENT.decode(error.text());
        assertThat(back).isInstanceOf(Decoded.Control.class);
        GlobalEvent e = ((Decoded.Control) back).event();
        assertThat(e).isInstanceOf(GlobalEvent.ProtocolError.class);
        assertThat(((GlobalEvent.ProtocolError) e).error()).isEqualTo(f.code().wire());
      }
      case Decoded.Control c -> {
        Decoded again = decoder.decode(sender.encode(Channels.global(), c.event(), c.ref())
            .text());
        assertThat(again).isEqualTo(c);
      }
      case Decoded.Message m -> roundTrip(decoder, sender, m);
      case Decoded.ReplyMessage r -> assertThat(r.ref()).isNotEmpty();
    }
  }

  private static void roundTrip(Codec decoder, Codec sender, Decoded.Message m) {
    Frame f = encode(sender, m.channel(), m.event(), m.ref());
    assertThat(decoder.decode(f.text())).isEqualTo(m);
  }

  /** Encodes an event decoded for {@code channel} (so of its family) back to text. */
  private static <E extends Event> Frame encode(Codec codec, Channel<E> channel, Event event,
      @Nullable String ref) {
    return codec.encode(channel, channel.family().eventType().cast(event), ref);
  }
}
