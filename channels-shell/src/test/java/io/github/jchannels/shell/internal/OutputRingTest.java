package io.github.jchannels.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OutputRingTest {
  @Test
  void keepsEverythingBelowTheBound() {
    OutputRing r = new OutputRing(16);
    r.append("ab");
    r.append("cd\r\nef");
    assertThat(r.snapshot()).isEqualTo("abcd\r\nef");
  }

  @Test
  void dropsTheOldestAndStartsAfterALineBreak() {
    OutputRing r = new OutputRing(10);
    r.append("line1\r\nline2\r\n");
    r.append("x");
    // kept: "ne2\r\n" + ... the newest 10 chars are "\nline2\r\nx"? no: "1\r\nline2\r\nx" is 11
    assertThat(r.size()).isEqualTo(10);
    assertThat(r.snapshot()).isEqualTo("line2\r\nx");
  }

  @Test
  void aChunkLargerThanTheBoundKeepsItsEnd() {
    OutputRing r = new OutputRing(8);
    r.append("0123456789\nabcdef");
    assertThat(r.snapshot()).isEqualTo("abcdef");
  }

  @Test
  void neverStartsInsideASurrogatePair() {
    OutputRing r = new OutputRing(3);
    r.append("a😀b"); // a, high, low, b: the newest 3 are high, low, b
    assertThat(r.snapshot()).isEqualTo("😀b");
    r.append("c"); // low, b, c
    assertThat(r.snapshot()).isEqualTo("bc");
  }

  @Test
  void zeroKeepsNothing() {
    OutputRing r = new OutputRing(0);
    r.append("abc");
    assertThat(r.snapshot()).isEmpty();
  }
}
