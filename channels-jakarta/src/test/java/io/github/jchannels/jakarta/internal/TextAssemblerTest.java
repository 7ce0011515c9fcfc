package io.github.jchannels.jakarta.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class TextAssemblerTest {
  @Test
  void utf8LengthMatchesTheEncoder() {
    // strings decoded from valid UTF-8: no lone surrogates
    for (String s : List.of("", "abc", "é", "€uro", "😀 x", "a😀😀b")) {
      assertThat(TextAssembler.utf8Length(s)).as(s)
          .isEqualTo(s.getBytes(StandardCharsets.UTF_8).length);
    }
  }
}
