package io.github.jchannels.server.transport;

import io.github.jchannels.core.time.Scheduler;
import io.github.jchannels.server.ServerLimits;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * What the server core gives a {@link ServerTransport} at {@link ServerTransport#start}: the
 * settings of the {@code ChannelServer.Builder} and the entry point for new connections.
 * Implemented by the core; thread-safe.
 */
public interface TransportContext {
  /**
   * A new connection: call at TCP accept, or, for a transport that sees no TCP accept (one
   * mounted in a container), at the latest when its upgrade request arrives and before
   * {@link ConnectionEvents#upgrade}. Starts the connection's handshake deadline: if the
   * connection is not open and authenticated in {@link ServerLimits#handshakeTimeout()}, the
   * core calls {@link TransportConnection#abort()} (before the upgrade completed) or closes it.
   *
   * <p>Before {@link ConnectionEvents#opened()} the core calls only
   * {@link TransportConnection#abort()} and {@link TransportConnection#close(int, String)} on
   * {@code connection}; a transport whose connection object exists only after the upgrade
   * passes one that applies those once it is bound (or at once, by refusing the upgrade).
   *
   * <p>Never blocks. After the server began to close, the returned events refuse the upgrade
   * (HTTP 503).
   *
   * @return the core's callbacks for this connection; call them in order, one at a time
   */
  ConnectionEvents connecting(TransportConnection connection);

  /** The interface to bind, e.g. {@code 0.0.0.0}; ignored by mounted transports. */
  String host();

  /** The port to bind (0: any free port); ignored by mounted transports. */
  int port();

  /** The TLS context to serve {@code wss://} with, or null for plain {@code ws://}. */
  @Nullable SSLContext tls();

  /** The paths the core serves (the channels endpoint and the extra ones), for mounting. */
  Set<String> paths();

  /**
   * The limits. A transport enforces the frame-level ones where it parses frames:
   * {@link ServerLimits#maxFrameSize()} (a frame, or the sum of a fragmented message's frames;
   * close 1009) and {@link ServerLimits#maxHandshakeSize()} (the upgrade request; drop the
   * connection). The core enforces everything else.
   */
  ServerLimits limits();

  /** The server's clock and timers: a transport that needs a timer uses this one. */
  Scheduler scheduler();

  /**
   * An executor for blocking work a transport must not do on its I/O threads (TLS handshake
   * tasks, for instance); virtual threads. Owned by the core: never shut it down. Tasks still
   * running at close are interrupted.
   */
  ExecutorService executor();
}
