package io.github.jchannels.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class Utf8StreamDecoderTest {
  private static final String TEXT = "plain é 漢字 😀 mixed: aé漢😀z\r\n".repeat(40);

  @ParameterizedTest(name = "{0} bytes at a time")
  @ValueSource(ints = {1, 2, 3, 4, 5, 7, 100})
  void textFedInPiecesDecodesIntactAndNoPieceEndsInABrokenCharacter(int step) {
    byte[] bytes = TEXT.getBytes(StandardCharsets.UTF_8);
    Utf8StreamDecoder d = new Utf8StreamDecoder();
    StringBuilder out = new StringBuilder();
    for (int off = 0; off < bytes.length; off += step) {
      String piece = d.decode(bytes, off, Math.min(step, bytes.length - off));
      assertThat(piece).doesNotContain("\uFFFD");
      if (!piece.isEmpty()) {
        assertThat(Character.isHighSurrogate(piece.charAt(piece.length() - 1)))
            .as("piece ends inside a surrogate pair").isFalse();
      }
      out.append(piece);
    }
    out.append(d.finish());
    assertThat(out.toString()).isEqualTo(TEXT);
    assertThat(d.pendingBytes()).isZero();
  }

  @Test
  void incompleteSequenceIsHeldBackUntilItsLastByte() {
    Utf8StreamDecoder d = new Utf8StreamDecoder();
    byte[] emoji = "😀".getBytes(StandardCharsets.UTF_8);
    assertThat(d.decode(emoji, 0, 1)).isEmpty();
    assertThat(d.decode(emoji, 1, 2)).isEmpty();
    assertThat(d.pendingBytes()).isEqualTo(3);
    assertThat(d.decode(emoji, 3, 1)).isEqualTo("😀");
  }

  @Test
  void malformedBytesBecomeReplacementCharactersAndDecodingGoesOn() {
    Utf8StreamDecoder d = new Utf8StreamDecoder();
    assertThat(d.decode(new byte[] {'a', (byte) 0xFF, 'b'})).isEqualTo("a\uFFFDb");
    assertThat(d.decode("é".getBytes(StandardCharsets.UTF_8))).isEqualTo("é");
  }

  @Test
  void finishTurnsATruncatedTailIntoOneReplacementCharacter() {
    Utf8StreamDecoder d = new Utf8StreamDecoder();
    assertThat(d.decode(new byte[] {'x', (byte) 0xE6, (byte) 0xBC})).isEqualTo("x");
    assertThat(d.finish()).isEqualTo("\uFFFD");
    assertThat(d.decode(new byte[] {'y'})).isEqualTo("y");
  }
}
