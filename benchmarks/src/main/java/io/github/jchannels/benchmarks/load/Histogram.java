package io.github.jchannels.benchmarks.load;

import java.util.Arrays;

/**
 * A log-linear histogram of non-negative longs (nanoseconds) with 1/128 relative precision,
 * in the style of HdrHistogram: exact below 256, then 128 sub-buckets per power of two. Not
 * thread-safe: one writer; read it after the writer is done (or merge copies).
 */
public final class Histogram {
  private static final int SUB_BITS = 7;
  private static final int SUB = 1 << SUB_BITS;
  private final long[] counts = new long[(64 - SUB_BITS) * SUB + 2 * SUB];
  private long total;
  private long max;
  private long min = Long.MAX_VALUE;

  /** Records one value (negative values count as 0). */
  public void record(long value) {
    long v = Math.max(0, value);
    counts[index(v)]++;
    total++;
    if (v > max) {
      max = v;
    }
    if (v < min) {
      min = v;
    }
  }

  private static int index(long v) {
    if (v < 2 * SUB) {
      return (int) v;
    }
    int msb = 63 - Long.numberOfLeadingZeros(v);
    int shift = msb - SUB_BITS;
    int sub = (int) (v >>> shift) & (SUB - 1);
    return 2 * SUB + (shift - 1) * SUB + sub;
  }

  private static long lowest(int index) {
    if (index < 2 * SUB) {
      return index;
    }
    int shift = (index - 2 * SUB) / SUB + 1;
    int sub = (index - 2 * SUB) % SUB;
    return ((long) (SUB + sub)) << shift;
  }

  /** Adds every count of {@code other}. */
  public void add(Histogram other) {
    for (int i = 0; i < counts.length; i++) {
      counts[i] += other.counts[i];
    }
    total += other.total;
    max = Math.max(max, other.max);
    min = Math.min(min, other.min);
  }

  /** Clears every count. */
  public void reset() {
    Arrays.fill(counts, 0);
    total = 0;
    max = 0;
    min = Long.MAX_VALUE;
  }

  /** How many values were recorded. */
  public long count() {
    return total;
  }

  /** The largest value recorded (exact), 0 when empty. */
  public long max() {
    return max;
  }

  /** The value at {@code percentile} (0-100), the lower bound of its bucket; 0 when empty. */
  public long percentile(double percentile) {
    if (total == 0) {
      return 0;
    }
    long rank = (long) Math.ceil(percentile / 100.0 * total);
    rank = Math.max(1, Math.min(total, rank));
    if (rank == total) {
      return max;
    }
    long seen = 0;
    for (int i = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen >= rank) {
        return Math.min(max, Math.max(min, lowest(i)));
      }
    }
    return max;
  }
}
