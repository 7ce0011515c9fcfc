package io.github.jchannels.shell;

import io.github.jchannels.core.transport.ConnectionHandler;
import io.github.jchannels.server.Authenticator;
import io.github.jchannels.server.ChannelServer;
import io.github.jchannels.shell.internal.ShellHub;
import java.util.Objects;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * The shell endpoint (PROTOCOL.md section 9): terminals over the channels protocol on a
 * WebSocket path of their own (default {@code /shell}), mounted on a {@link ChannelServer}.
 * It is off unless the host application builds one, with an {@link Authenticator} (who may
 * connect), a {@link ShellAuthorizer} (who may use which shell) and a {@link ShellConfig} (what
 * runs). Clients never choose the program.
 *
 * <pre>{@code
 * try (ShellEndpoint shells = ShellEndpoint.builder()
 *         .authenticator(Authenticator.bearer(tokens::lookup))
 *         .authorizer((user, shellId) -> user != null && shellId.startsWith(user.getName() + "-"))
 *         .config(ShellConfig.builder().command("bash", "-l").directory(workspace).build())
 *         .build();
 *     ChannelServer server = shells.mountOn(ChannelServer.builder().port(8080)).build().start()) {
 *   ...
 * }
 * }</pre>
 *
 * <p>Per connection: {@code init} on {@code shell:<id>} (data {@code cols}, {@code rows}) starts
 * the program in a pseudo terminal, or attaches to the running shell of that id (the PTY takes
 * the newest attacher's size), and is answered with {@code init} ({@code shellId}, {@code cols},
 * {@code rows}); then {@code input} and {@code resize} go in, {@code output} (to every attached
 * connection) and finally {@code exit} come out; failures are shell {@code error} events.
 * When the last connection of a shell goes away, or the endpoint closes, the shell's whole
 * process tree is killed.
 *
 * <p>Lifecycle and threads: each running shell has a reader, a writer and a waiter thread plus
 * pty4j's reaper; the endpoint has one timer thread and virtual threads for teardown.
 * {@link #close()} ends every shell and releases all of them; close it when the server closes
 * (either order works). Thread-safe.
 */
public final class ShellEndpoint implements AutoCloseable {
  /** The default path. */
  public static final String DEFAULT_PATH = "/shell";

  private final String path;
  private final Authenticator authenticator;
  private final ShellConfig config;
  private final ShellHub hub;

  private ShellEndpoint(Builder b) {
    this.path = b.path;
    this.authenticator = Objects.requireNonNull(b.authenticator,
        "an authenticator is required: the shell endpoint is never open to everyone by default");
    ShellAuthorizer authorizer = Objects.requireNonNull(b.authorizer,
        "an authorizer is required: decide which principal may use which shell");
    this.config = b.config;
    this.hub = new ShellHub(config, authorizer);
  }

  /** A builder; {@link Builder#authenticator} and {@link Builder#authorizer} are required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The WebSocket path, e.g. {@code /shell}. */
  public String path() {
    return path;
  }

  /** Who may connect. */
  public Authenticator authenticator() {
    return authenticator;
  }

  /** What runs and the limits. */
  public ShellConfig config() {
    return config;
  }

  /**
   * The transport handler to mount on a server's extra endpoint (what {@link #mountOn} does);
   * also usable with any other binding of the transport SPI.
   */
  public ConnectionHandler handler() {
    return hub;
  }

  /**
   * Mounts this endpoint on {@code server}: {@code server.endpoint(path(), authenticator(),
   * handler())}. Returns {@code server} for chaining.
   */
  public ChannelServer.Builder mountOn(ChannelServer.Builder server) {
    return server.endpoint(path, authenticator, hub);
  }

  /** The counters now. */
  public ShellStats stats() {
    return new ShellStats(hub.shellCount(), hub.connectionCount(), hub.shellsStarted(),
        hub.outputChunks(), hub.flowControlPauses(), hub.peakBufferedBytes());
  }

  /** The process id of the running shell {@code shellId}, if any (diagnostics). */
  public OptionalLong pid(String shellId) {
    Long pid = hub.pid(shellId);
    return pid == null ? OptionalLong.empty() : OptionalLong.of(pid);
  }

  /**
   * Ends every shell with its process tree, closes the endpoint's open connections with 1001
   * and stops its threads; waits up to the terminate grace plus a few seconds. Later
   * {@code init}s are refused. Idempotent.
   */
  @Override
  public void close() {
    hub.close();
  }

  /** Builds a {@link ShellEndpoint}. Not thread-safe. */
  public static final class Builder {
    private String path = DEFAULT_PATH;
    private @Nullable Authenticator authenticator;
    private @Nullable ShellAuthorizer authorizer;
    private ShellConfig config = ShellConfig.builder().build();

    private Builder() {}

    /** The WebSocket path; default {@code /shell}. */
    public Builder path(String path) {
      Objects.requireNonNull(path, "path");
      if (!path.startsWith("/") || path.contains("?") || path.contains("#")) {
        throw new IllegalArgumentException("path must start with '/' and hold no query: " + path);
      }
      this.path = path;
      return this;
    }

    /** Who may connect (required); a rejection closes the connection with 1008. */
    public Builder authenticator(Authenticator authenticator) {
      this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
      return this;
    }

    /** Who may start or attach to which shell (required). */
    public Builder authorizer(ShellAuthorizer authorizer) {
      this.authorizer = Objects.requireNonNull(authorizer, "authorizer");
      return this;
    }

    /** What runs and the limits; default {@link ShellConfig#builder()}'s defaults. */
    public Builder config(ShellConfig config) {
      this.config = Objects.requireNonNull(config, "config");
      return this;
    }

    /**
     * The endpoint. Throws {@link NullPointerException} without an authenticator or an
     * authorizer.
     */
    public ShellEndpoint build() {
      return new ShellEndpoint(this);
    }
  }
}
