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
 * connect), a {@link ShellAuthorizer} (who may use which shell id) and a {@link ShellConfig}
 * (what runs, the limits); optionally a {@link ShellLauncher} (what runs for whom: command,
 * directory, environment, OS account) and a {@link ShellSharing} policy. A running shell
 * belongs to the principal that started it: nobody else attaches unless the sharing policy
 * grants it. Clients never choose the program.
 *
 * <pre>{@code
 * try (ShellEndpoint shells = ShellEndpoint.builder()
 *         .authenticator(Authenticator.bearer(tokens::lookup))
 *         .authorizer(ShellAuthorizer.ownerNamed())        // ids "<principal name>@<n>"
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
 * {@code rows}), then the replay of the shell's newest output; then {@code input} and
 * {@code resize} go in, {@code output} (to every attached connection) and finally {@code exit}
 * come out; failures are shell {@code error} events. When the last connection of a shell goes
 * away, or the endpoint closes, or the JVM exits, every process of the shell is killed (its
 * cgroup v2 where the server may create one, else every process carrying its environment tag).
 *
 * <p>Lifecycle and threads: each running shell has two platform threads, its output reader
 * and pty4j's reaper, plus virtual threads (exit waiter, input drain while the PTY is full);
 * the endpoint has one timer thread (unless {@link ShellConfig.Builder#scheduler} gives one)
 * and virtual threads for teardown, and registers a JVM shutdown hook. {@link #close()} ends
 * every shell and releases all of them; close it when the server closes (either order works).
 * Thread-safe.
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
    this.hub = new ShellHub(config, authorizer, b.launcher, b.sharing);
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
    private ShellLauncher launcher = ShellLauncher.DEFAULTS;
    private ShellSharing sharing = ShellSharing.OWNER_ONLY;

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

    /**
     * Who may use which shell id (required). Compare exactly; see
     * {@link ShellAuthorizer#ownerNamed()}.
     */
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
     * What a new shell runs, per principal and shell id; default {@link ShellLauncher#DEFAULTS}
     * (the configuration's command, directory and environment, as the server's OS account).
     */
    public Builder launcher(ShellLauncher launcher) {
      this.launcher = Objects.requireNonNull(launcher, "launcher");
      return this;
    }

    /**
     * Who besides its owner may attach to a running shell; default
     * {@link ShellSharing#OWNER_ONLY}.
     */
    public Builder sharing(ShellSharing sharing) {
      this.sharing = Objects.requireNonNull(sharing, "sharing");
      return this;
    }

    /**
     * The endpoint. Throws {@link NullPointerException} without an authenticator or an
     * authorizer, and {@link IllegalStateException} for {@link ShellConfig.Containment#CGROUP}
     * where this process may not create cgroups.
     */
    public ShellEndpoint build() {
      return new ShellEndpoint(this);
    }
  }
}
