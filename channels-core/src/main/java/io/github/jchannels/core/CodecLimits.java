package io.github.jchannels.core;

/**
 * Limits the codec applies to untrusted input, passed to Jackson's
 * {@code StreamReadConstraints}. Immutable; start from {@link #defaults()} or
 * {@link #builder()}.
 *
 * <p>Defaults: document length 1 MiB (the server's default frame limit), nesting depth 64,
 * string length 512 KiB, number length 100 characters.
 */
public final class CodecLimits {
  private static final CodecLimits DEFAULTS = builder().build();

  private final int maxDocumentLength;
  private final int maxNestingDepth;
  private final int maxStringLength;
  private final int maxNumberLength;

  private CodecLimits(Builder b) {
    this.maxDocumentLength = b.maxDocumentLength;
    this.maxNestingDepth = b.maxNestingDepth;
    this.maxStringLength = b.maxStringLength;
    this.maxNumberLength = b.maxNumberLength;
  }

  /** The default limits. */
  public static CodecLimits defaults() {
    return DEFAULTS;
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** Longest accepted document, in characters. */
  public int maxDocumentLength() {
    return maxDocumentLength;
  }

  /** Deepest accepted nesting of objects and arrays. */
  public int maxNestingDepth() {
    return maxNestingDepth;
  }

  /** Longest accepted string value, in characters. */
  public int maxStringLength() {
    return maxStringLength;
  }

  /** Longest accepted number, in characters. */
  public int maxNumberLength() {
    return maxNumberLength;
  }

  /** A builder with these values. */
  public Builder toBuilder() {
    return new Builder().maxDocumentLength(maxDocumentLength).maxNestingDepth(maxNestingDepth)
        .maxStringLength(maxStringLength).maxNumberLength(maxNumberLength);
  }

  /** Builds {@link CodecLimits}. */
  public static final class Builder {
    private int maxDocumentLength = 1024 * 1024;
    private int maxNestingDepth = 64;
    private int maxStringLength = 512 * 1024;
    private int maxNumberLength = 100;

    private Builder() {}

    /** Longest document in characters; at least 64. */
    public Builder maxDocumentLength(int v) {
      this.maxDocumentLength = atLeast("maxDocumentLength", v, 64);
      return this;
    }

    /** Deepest nesting; at least 4 (the envelope itself needs 2). */
    public Builder maxNestingDepth(int v) {
      this.maxNestingDepth = atLeast("maxNestingDepth", v, 4);
      return this;
    }

    /** Longest string value; at least 64. */
    public Builder maxStringLength(int v) {
      this.maxStringLength = atLeast("maxStringLength", v, 64);
      return this;
    }

    /** Longest number; at least 20. */
    public Builder maxNumberLength(int v) {
      this.maxNumberLength = atLeast("maxNumberLength", v, 20);
      return this;
    }

    private static int atLeast(String name, int v, int min) {
      if (v < min) {
        throw new IllegalArgumentException(name + " must be >= " + min + ": " + v);
      }
      return v;
    }

    /** The limits. */
    public CodecLimits build() {
      return new CodecLimits(this);
    }
  }
}
