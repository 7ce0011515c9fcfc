package io.github.jchannels.server.internal.jws;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.framing.CloseFrame;
import org.java_websocket.framing.PingFrame;
import org.junit.jupiter.api.Test;

/**
 * The library's own control frames are counted as queued bytes (PROTOCOL.md section 7): the
 * writer recognises exactly the close and ping frames Java-WebSocket frames, at the size it
 * counted them when queued, and never a handshake response.
 */
class CountedSocketTest {
  private final Draft_6455 draft = new Draft_6455();

  @Test
  void closeFramesAsTheLibraryFramesThemAreRecognisedAtTheirCountedSize() throws Exception {
    for (String reason : new String[] {"", "slow consumer", "r".repeat(123)}) {
      CloseFrame close = new CloseFrame();
      close.setCode(1013);
      close.setReason(reason);
      close.isValid();
      ByteBuffer wire = draft.createBinaryFrame(close);
      assertThat(CountedSocket.isControlFrame(wire)).as("close %s", reason).isTrue();
      assertThat((long) wire.remaining())
          .isEqualTo(CountedSocket.wireSize(close.getPayloadData().remaining()))
          .isEqualTo(2L + 2 + reason.length());
    }
  }

  @Test
  void pingFramesAreRecognisedAtTheirCountedSize() throws Exception {
    PingFrame ping = new PingFrame();
    ByteBuffer wire = draft.createBinaryFrame(ping);
    assertThat(CountedSocket.isControlFrame(wire)).isTrue();
    assertThat((long) wire.remaining())
        .isEqualTo(CountedSocket.wireSize(ping.getPayloadData().remaining()));
  }

  @Test
  void handshakeResponsesAndStartedBuffersAreNot() {
    ByteBuffer http = ByteBuffer.wrap(
        "HTTP/1.1 101 Switching Protocols\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    assertThat(CountedSocket.isControlFrame(http)).isFalse();
    ByteBuffer started = ByteBuffer.wrap(new byte[] {(byte) 0x88, 0x02, 0x03, (byte) 0xF5});
    started.position(1);
    assertThat(CountedSocket.isControlFrame(started)).isFalse();
  }

  @Test
  void wireSizeUsesTheServerHeaderForEachLengthEncoding() {
    assertThat(CountedSocket.wireSize(0)).isEqualTo(2);
    assertThat(CountedSocket.wireSize(125)).isEqualTo(127);
    assertThat(CountedSocket.wireSize(126)).isEqualTo(130);
    assertThat(CountedSocket.wireSize(65_536)).isEqualTo(65_546);
  }
}
