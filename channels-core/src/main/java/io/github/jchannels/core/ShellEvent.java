package io.github.jchannels.core;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The {@code shell} family (PROTOCOL.md section 9), used on the separate shell endpoint.
 * Channels are {@code shell:<id>} with a one-segment id.
 */
public sealed interface ShellEvent extends Event {

  /** Largest accepted terminal width or height. */
  int MAX_DIMENSION = 9999;

  /** Shell events a server sends. */
  sealed interface ToClient extends ShellEvent, ServerEvent permits Init, Output, Exit,
      ShellError {}

  /** Shell events a client sends. */
  sealed interface ToServer extends ShellEvent, ClientEvent permits Init, Input, Resize {}

  /**
   * Client→server: start the shell or attach to it with this size ({@code shellId} absent).
   * Server→client: the shell is running, with its id and size.
   */
  @WireType("init")
  record Init(@Nullable String shellId, int cols, int rows) implements ToClient, ToServer {
    public Init {
      checkSize(cols, rows);
    }

    /** The client's request to start or attach with this size. */
    public Init(int cols, int rows) {
      this(null, cols, rows);
    }
  }

  /** Keystrokes typed by the user. */
  @WireType("input")
  record Input(String data) implements ToServer {
    public Input {
      Objects.requireNonNull(data, "data");
    }
  }

  /** Terminal output, UTF-8 decoded across read boundaries. */
  @WireType("output")
  record Output(String data) implements ToClient {
    public Output {
      Objects.requireNonNull(data, "data");
    }
  }

  /** New terminal size. */
  @WireType("resize")
  record Resize(int cols, int rows) implements ToServer {
    public Resize {
      checkSize(cols, rows);
    }
  }

  /** The shell process ended. */
  @WireType("exit")
  record Exit(int exitCode) implements ToClient {}

  /** The shell could not be started or used (command missing, limit reached, not allowed). */
  @WireType("error")
  record ShellError(String error, String message) implements ToClient {
    public ShellError {
      Objects.requireNonNull(error, "error");
      Objects.requireNonNull(message, "message");
    }
  }

  private static void checkSize(int cols, int rows) {
    if (cols < 1 || cols > MAX_DIMENSION || rows < 1 || rows > MAX_DIMENSION) {
      throw new IllegalArgumentException(
          "cols and rows must be in [1, " + MAX_DIMENSION + "]: " + cols + "x" + rows);
    }
  }
}
