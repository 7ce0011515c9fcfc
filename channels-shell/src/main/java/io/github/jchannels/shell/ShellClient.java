package io.github.jchannels.shell;

import io.github.jchannels.client.ChannelClient;
import io.github.jchannels.client.ClientSubscription;
import io.github.jchannels.client.ConnectionState;
import io.github.jchannels.client.ListenerHandle;
import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.EventRegistry;
import io.github.jchannels.core.ShellEvent;
import io.github.jchannels.shell.internal.Futures;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A terminal session with a shell endpoint, on a connection of its own (never shared with
 * session traffic). Built on {@link ChannelClient}: it reuses its heartbeat and reconnection,
 * and joins {@code shell:<id>} by sending {@code init} with the current size, again after every
 * reconnection.
 *
 * <pre>{@code
 * try (ShellClient shell = ShellClient.builder(URI.create("ws://localhost:8080/shell"), "alice-1")
 *     .token(() -> token)
 *     .size(120, 40)
 *     .onOutput(terminal::write)
 *     .onExit(code -> terminal.close())
 *     .build()) {
 *   shell.start().join();
 *   shell.input("ls -la\r");
 *   shell.resize(132, 43);
 * }
 * }</pre>
 *
 * <p>Unlike session traffic, keystrokes are never queued: {@link #input} and {@link #resize}
 * return false while the connection is not ready, and a keystroke caught by a connection drop
 * is dropped, never sent on the next connection (typing into a shell that may have been
 * replaced by a new one on reconnection would run commands nobody saw). If the last connection
 * of a shell drops, the server ends the shell, unless its {@code reattachGrace} keeps it for a
 * while; the re-{@code init} after reconnecting then attaches to the kept shell or starts a new
 * one, and {@link ShellListener#onStart} is called again (followed by the server's replay of
 * the screen). Once the shell has exited ({@link ShellListener#onExit}), the client leaves the
 * shell's channel: a reconnection never starts a new shell in its place.
 *
 * <p>Thread-safe. Listeners run on the client's callback thread. {@link #close()} closes the
 * connection (the server then ends the shell if nobody else is attached) and stops every
 * thread.
 */
public final class ShellClient implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ShellClient.class);
  private static final EventRegistry REGISTRY =
      EventRegistry.builder().add(Channels.GLOBAL).add(Channels.SHELL).build();

  private final ChannelClient client;
  private final Channel<ShellEvent> channel;
  private final List<ShellListener> listeners;
  private final CompletableFuture<Void> started = new CompletableFuture<>();
  private final ListenerHandle errors;
  /** The size sent with the next {@code init} or {@code resize}. */
  private volatile int cols;
  private volatile int rows;
  /** Null until {@link #start()}. */
  private volatile @Nullable ClientSubscription subscription;
  /** Set when the shell's {@code exit} arrived: nothing is sent to it any more. */
  private volatile boolean exited;

  private ShellClient(Builder b) {
    this.channel = Channels.shell(b.shellId);
    this.cols = b.cols;
    this.rows = b.rows;
    this.listeners = List.copyOf(b.listeners);
    ChannelClient.Builder cb = ChannelClient.builder(b.uri).name("shell-client");
    if (b.token != null) {
      cb.token(b.token);
    }
    for (Consumer<ChannelClient.Builder> c : b.customizers) {
      c.accept(cb);
    }
    // after the customizers: the shell client's own protocol is not negotiable
    cb.registry(REGISTRY)
        .joinWith(Channels.SHELL, c -> new ShellEvent.Init(this.cols, this.rows));
    this.client = cb.build();
    this.errors = client.addErrorListener(e -> {
      if (e.channel() == null || e.channel().equals(channel.name())
          || e.channel().equals(Channels.GLOBAL.name())) {
        fail(e.code(), e.message());
      }
    });
  }

  /**
   * A builder for the shell {@code shellId} at {@code uri} (the endpoint, e.g.
   * {@code ws://host:8080/shell}).
   */
  public static Builder builder(URI uri, String shellId) {
    return new Builder(uri, shellId);
  }

  /**
   * Connects and starts (or attaches to) the shell. The future completes when the server has
   * answered {@code init} (after {@link ShellListener#onStart} was called), and fails with a
   * {@link ShellException} if it answered with an
   * {@code error}, or with the client's exception if the connection could not be made (for
   * example, {@code unauthorized}). Later calls return the same future.
   */
  public synchronized CompletableFuture<Void> start() {
    if (subscription == null) {
      subscription = client.subscribe(channel, this::onEvent);
      Futures.whenDone(client.connect(), (v, e) -> {
        if (e != null) {
          started.completeExceptionally(e);
        }
      });
    }
    return started;
  }

  /**
   * Types {@code data} (send {@code \r} for Enter, as a terminal does). Returns false, dropping
   * the input, while the connection is not ready, after the shell exited or after
   * {@link #close()}; never queued for a later connection.
   */
  public boolean input(String data) {
    Objects.requireNonNull(data, "data");
    return !exited && client.sendIfReady(channel, new ShellEvent.Input(data));
  }

  /**
   * Sets the terminal size. Always remembered for the next {@code init}; sent now (returning
   * true) only when the connection is ready.
   */
  public boolean resize(int cols, int rows) {
    ShellEvent.Resize r = new ShellEvent.Resize(cols, rows);
    this.cols = cols;
    this.rows = rows;
    return !exited && client.sendIfReady(channel, r);
  }

  /** The shell's id. */
  public String shellId() {
    return channel.id().orElseThrow();
  }

  /** The terminal width last set. */
  public int cols() {
    return cols;
  }

  /** The terminal height last set. */
  public int rows() {
    return rows;
  }

  /** The connection's state. */
  public ConnectionState state() {
    return client.state();
  }

  /** The underlying client, for state listeners, metrics and the message log. */
  public ChannelClient channelClient() {
    return client;
  }

  /** Closes the connection (normal closure) and stops every thread. Idempotent. */
  @Override
  public void close() {
    errors.close();
    ClientSubscription s = subscription;
    if (s != null) {
      s.close();
    }
    client.close();
    started.completeExceptionally(new ShellException("closed", "the shell client was closed"));
  }

  private void onEvent(ShellEvent event) {
    if (!(event instanceof ShellEvent.ToClient e)) {
      return;
    }
    switch (e) {
      case ShellEvent.Init i -> {
        each(l -> l.onStart(i.shellId() == null ? shellId() : i.shellId(), i.cols(), i.rows()));
        started.complete(null);
      }
      case ShellEvent.Output o -> each(l -> l.onOutput(o.data()));
      case ShellEvent.Exit x -> {
        exited = true;
        // leave the channel: a later reconnection must not re-init (and so restart) the shell
        ClientSubscription sub = subscription;
        if (sub != null) {
          sub.close();
        }
        each(l -> l.onExit(x.exitCode()));
      }
      case ShellEvent.ShellError err -> fail(err.error(), err.message());
    }
  }

  private void fail(String code, String message) {
    each(l -> l.onError(code, message));
    started.completeExceptionally(new ShellException(code, message));
  }

  private void each(Consumer<ShellListener> call) {
    for (ShellListener l : listeners) {
      try {
        call.accept(l);
      } catch (RuntimeException ex) {
        log.error("shell listener failed", ex);
      }
    }
  }

  /** Configures a {@link ShellClient}. Default size 80×24. Not thread-safe. */
  public static final class Builder {
    private final URI uri;
    private final String shellId;
    private @Nullable Supplier<? extends @Nullable String> token;
    private int cols = 80;
    private int rows = 24;
    private final List<ShellListener> listeners = new ArrayList<>();
    private final List<Consumer<ChannelClient.Builder>> customizers = new ArrayList<>();

    private Builder(URI uri, String shellId) {
      this.uri = Objects.requireNonNull(uri, "uri");
      Channels.shell(Objects.requireNonNull(shellId, "shellId"));
      this.shellId = shellId;
    }

    /** The bearer token, asked for on every connection attempt. */
    public Builder token(Supplier<? extends @Nullable String> token) {
      this.token = Objects.requireNonNull(token, "token");
      return this;
    }

    /** The initial terminal size (1 to 9999 each); default 80×24. */
    public Builder size(int cols, int rows) {
      new ShellEvent.Resize(cols, rows); // validates
      this.cols = cols;
      this.rows = rows;
      return this;
    }

    /** Adds a listener. */
    public Builder listener(ShellListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /** Adds a listener of output. */
    public Builder onOutput(Consumer<String> output) {
      Objects.requireNonNull(output, "output");
      return listener(new ShellListener() {
        @Override
        public void onOutput(String text) {
          output.accept(text);
        }
      });
    }

    /** Adds a listener of the exit code. */
    public Builder onExit(IntConsumer exit) {
      Objects.requireNonNull(exit, "exit");
      return listener(new ShellListener() {
        @Override
        public void onExit(int exitCode) {
          exit.accept(exitCode);
        }
      });
    }

    /**
     * Tunes the underlying {@link ChannelClient.Builder} (heartbeat, reconnection delays and
     * attempts, headers, connect timeout, thread name). The registry and the join event are set
     * by the shell client after the customizers run.
     */
    public Builder configure(Consumer<ChannelClient.Builder> customizer) {
      customizers.add(Objects.requireNonNull(customizer, "customizer"));
      return this;
    }

    /** The client, not connected yet: call {@link ShellClient#start()}. */
    public ShellClient build() {
      return new ShellClient(this);
    }
  }
}
