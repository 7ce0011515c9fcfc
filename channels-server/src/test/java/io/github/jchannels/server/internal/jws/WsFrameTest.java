package io.github.jchannels.server.internal.jws;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.jchannels.core.Frame;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.framing.Framedata;
import org.java_websocket.framing.TextFrame;
import org.junit.jupiter.api.Test;

/** The pre-framed form of a frame: built once, shared, and byte-identical to the library's. */
class WsFrameTest {

  @Test
  void framedOncePerFrameAndSharedByEveryReceiver() {
    Frame f = new Frame("{\"a\":1}");
    WsFrame one = WsFrame.of(f);
    assertThat(WsFrame.of(f)).isSameAs(one);
    ByteBuffer a = one.duplicate();
    ByteBuffer b = one.duplicate();
    assertThat(a).isNotSameAs(b);
    assertThat(a.array()).isSameAs(b.array()); // one copy of the bytes for all receivers
    a.position(a.limit()); // one receiver's progress does not move another's
    assertThat(b.position()).isZero();
  }

  @Test
  void sameBytesAsJavaWebSocketForEveryLengthEncoding() throws Exception {
    Draft_6455 draft = new Draft_6455();
    for (int n : List.of(0, 1, 125, 126, 127, 65_535, 65_536, 200_000)) {
      String text = "é".repeat(n / 2) + "x".repeat(n % 2); // multi-byte UTF-8 too
      TextFrame frame = new TextFrame();
      frame.setPayload(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
      frame.setFin(true);
      ByteBuffer expected = draft.createBinaryFrame(frame);
      ByteBuffer ours = WsFrame.of(new Frame(text)).duplicate();
      assertThat(ours).as("length %d", n).isEqualTo(expected);
      // and it decodes back
      List<Framedata> decoded = new Draft_6455().translateFrame(ours.duplicate());
      assertThat(decoded).hasSize(1);
      assertThat(StandardCharsets.UTF_8.decode(decoded.get(0).getPayloadData()).toString())
          .isEqualTo(text);
    }
  }
}
