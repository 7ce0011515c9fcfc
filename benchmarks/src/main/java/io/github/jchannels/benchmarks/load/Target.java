package io.github.jchannels.benchmarks.load;

/** A server under test: the bare transport or the channels server, started on loopback. */
public interface Target extends AutoCloseable {
  /** A short name for reports ("bare", "channels"). */
  String name();

  /** The protocol its clients speak. */
  LoadClient.Protocol protocol();

  /** The WebSocket path. */
  String path();

  /** The bound port (after start). */
  int port();

  /** How many connections would receive a broadcast now. */
  int receivers();

  /** Broadcasts event {@code seq} stamped {@code sentNanos} to every receiver. */
  void broadcast(long seq, long sentNanos);

  /** How many times a frame was serialised so far (the channels server's codec counter). */
  long serialisations();

  @Override
  void close();
}
