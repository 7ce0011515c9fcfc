package io.github.jchannels.server.broker;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Connects a server node to the other nodes of a cluster, or stands in for them on one node:
 * publish with a per-channel {@code seq}, this node's interest per channel, a bounded history per
 * channel, recovery, and node liveness (PROTOCOL.md sections 11 and 13).
 *
 * <p>Lifecycle: create (each implementation has a builder), {@link #start(BrokerListener)} once,
 * use, {@link #close()}. The creator owns the broker and closes it after the server that uses it.
 * After {@code close()} every operation fails with {@link BrokerException} and the listener is
 * called no more.
 *
 * <p>Guarantees:
 * <ul>
 *   <li>Every event published to a channel with history gets the next {@code seq} of the
 *       channel's stream (1, 2, 3... per epoch), and every node that is interested in the
 *       channel receives the channel's events in that order, including the publishing node
 *       itself, which receives its own events through the listener like every other node.
 *   <li>A publish that fails reaches no node: when the broker cannot be reached, the returned
 *       stage fails with a {@link BrokerException}. (A publish whose answer is lost after the
 *       broker ran it may have reached every node; it never reaches only some.)
 *   <li>A node that misses events fills the gap from the history when it can; otherwise it
 *       reports {@link BrokerListener#onDiscontinuity} and delivers later events with their own
 *       {@code seq}. It never delivers out of order, twice, or after a silent skip.
 *   <li>Events of a channel without history ({@link History#NONE}) are delivered live only, at
 *       most once, with {@code seq} 0 and no epoch.
 * </ul>
 *
 * <p>Every method is thread-safe and returns without blocking; results arrive through the
 * returned stages, which may complete on the broker's own threads.
 */
public interface Broker extends AutoCloseable {
  /** This node's id, unique among the nodes sharing the broker. */
  String nodeId();

  /**
   * Attaches the one listener that receives the events of the channels this node subscribes to.
   *
   * @throws IllegalStateException if called twice or after {@link #close()}
   */
  void start(BrokerListener listener);

  /**
   * Publishes one encoded event. With history, the broker assigns the event the next {@code seq}
   * of the channel's stream (creating the stream and its epoch if missing), appends it to the
   * history, trimmed to {@code history}'s size and time-to-live, and delivers it to every
   * interested node; the stage completes with the event's position. Without history the stage
   * completes with {@link StreamPosition#NONE}.
   *
   * @param payload the encoded event, exactly as every node will frame it
   */
  CompletionStage<StreamPosition> publish(String channel, String payload, History history);

  /**
   * Declares this node's interest in {@code channel} (call it for the first local subscriber).
   * The broker keeps the interest until {@link #unsubscribe}, re-establishing it by itself after
   * a connection loss. The stage completes once events published from now on will be delivered;
   * it fails if the broker cannot confirm that now (the broker keeps trying in the background).
   * Subscribing to a channel already subscribed returns the first call's stage.
   *
   * @param history the channel's history, so that the broker can fill gaps from it
   */
  CompletionStage<Void> subscribe(String channel, History history);

  /** Withdraws this node's interest in {@code channel} (after its last local subscriber). */
  CompletionStage<Void> unsubscribe(String channel);

  /**
   * The channel's current top: its epoch and the seq of its latest event (0 if none). A stream
   * that does not exist yet is created with a new epoch, so that the epoch reported now is the
   * one its first event will carry.
   */
  CompletionStage<StreamPosition> position(String channel, History history);

  /**
   * Every event after {@code since}, or none (PROTOCOL.md section 11): recovered when
   * {@code since} is in the current epoch, at most {@code limit} events behind the top and not
   * beyond it, and every missed event is still in the history (neither evicted nor older than
   * {@code history}'s time-to-live).
   *
   * @param limit the most events one recovery may return (the server's recovery limit)
   */
  CompletionStage<Recovery> recover(String channel, StreamPosition since, History history,
      int limit);

  /** The ids of the nodes that are alive now (this one included), for presence. */
  CompletionStage<Set<String>> liveNodes();

  /**
   * Applies a change to {@code channel}'s presence (PROTOCOL.md section 12): removes the
   * {@link PresenceDiff#leaves()} (by connId) and stores the {@link PresenceDiff#joins()} as
   * entries owned by this node, then delivers the diff to every node interested in the channel
   * (this one too) through {@link BrokerListener#onPresence}, in the order the changes were
   * applied. The entries of a node that dies disappear within the broker's presence
   * time-to-live, and the leaves are delivered by the surviving nodes.
   *
   * <p>The default fails: a broker without presence. {@link InMemoryBroker} and
   * {@code channels-redis}'s broker keep presence.
   */
  default CompletionStage<Void> updatePresence(String channel, PresenceDiff diff) {
    return CompletableFuture.failedFuture(
        new BrokerException(getClass().getName() + " does not keep presence"));
  }

  /**
   * The current entries of {@code channel} on every node. Entries whose node stopped refreshing
   * them are removed first, and their leaves delivered like any other diff.
   */
  default CompletionStage<List<PresenceEntry>> presence(String channel) {
    return CompletableFuture.failedFuture(
        new BrokerException(getClass().getName() + " does not keep presence"));
  }

  /** Releases every connection, thread and timer of this broker. Idempotent. */
  @Override
  void close();
}
