package io.github.jchannels.benchmarks.load;

import java.util.List;

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

  /**
   * Every node's port: the harness splits the subscribers across them (one entry for a single
   * node).
   */
  default List<Integer> ports() {
    return List.of(port());
  }

  /** How many connections would receive a broadcast now. */
  int receivers();

  /** Broadcasts event {@code seq} stamped {@code sentNanos} to every receiver. */
  void broadcast(long seq, long sentNanos);

  /** How many times a frame was serialised so far (the channels server's codec counter). */
  long serialisations();

  /** Serialisations on the nodes other than the publishing one (0 for a single node). */
  default long otherSerialisations() {
    return 0;
  }

  @Override
  void close();
}
