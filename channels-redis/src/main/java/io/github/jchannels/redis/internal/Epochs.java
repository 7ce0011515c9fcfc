package io.github.jchannels.redis.internal;

import java.security.SecureRandom;

/** New epochs: 12 random characters from {@code [0-9a-z]} (never a {@code ':'}). */
public final class Epochs {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final char[] ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz".toCharArray();

  private Epochs() {}

  /** A new random epoch. */
  public static String next() {
    char[] c = new char[12];
    for (int i = 0; i < c.length; i++) {
      c[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
    }
    return new String(c);
  }
}
