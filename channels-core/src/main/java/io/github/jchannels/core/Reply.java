package io.github.jchannels.core;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The {@code data} of a {@code reply} (PROTOCOL.md section 6): a status and a response.
 * On the decoding side {@code response} holds plain JSON values ({@code Map}, {@code List},
 * {@code String}, {@code Number}, {@code Boolean} or null).
 *
 * @param status ok or error
 * @param response any JSON-serialisable value; for errors a map with {@code error} and
 *     {@code message}
 */
public record Reply(Status status, @Nullable Object response) {

  /** The reply's outcome. */
  public enum Status {
    /** The request succeeded. */
    OK("ok"),
    /** The request failed. */
    ERROR("error");

    private final String wire;

    Status(String wire) {
      this.wire = wire;
    }

    /** {@code ok} or {@code error}. */
    public String wire() {
      return wire;
    }
  }

  /** Requires a status. */
  public Reply {
    Objects.requireNonNull(status, "status");
  }

  /** A successful reply. */
  public static Reply ok(@Nullable Object response) {
    return new Reply(Status.OK, response);
  }

  /** A failed reply with an error code and a human message. */
  public static Reply error(String error, String message) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("error", Objects.requireNonNull(error, "error"));
    r.put("message", Objects.requireNonNull(message, "message"));
    return new Reply(Status.ERROR, r);
  }

  /** Whether the status is ok. */
  public boolean isOk() {
    return status == Status.OK;
  }
}
