package io.github.jchannels.benchmarks.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class HistogramTest {

  @Test
  void percentilesAreWithinTheBucketPrecision() {
    Histogram h = new Histogram();
    for (long v = 1; v <= 100_000; v++) {
      h.record(v * 1_000); // 1 µs .. 100 ms
    }
    assertThat(h.count()).isEqualTo(100_000);
    assertThat((double) h.percentile(50)).isCloseTo(50_000_000, within(50_000_000 / 100.0));
    assertThat((double) h.percentile(99)).isCloseTo(99_000_000, within(99_000_000 / 100.0));
    assertThat(h.max()).isEqualTo(100_000_000);
    assertThat(h.percentile(100)).isEqualTo(h.max());
  }

  @Test
  void smallValuesAreExactAndMergesAdd() {
    Histogram a = new Histogram();
    Histogram b = new Histogram();
    a.record(3);
    b.record(200);
    b.record(-5);
    a.add(b);
    assertThat(a.count()).isEqualTo(3);
    assertThat(a.percentile(1)).isZero();
    assertThat(a.percentile(50)).isEqualTo(3);
    assertThat(a.percentile(100)).isEqualTo(200);
  }
}
