package io.github.jchannels.server.internal;

import io.github.jchannels.core.Frame;
import io.github.jchannels.server.broker.Broker;
import io.github.jchannels.server.broker.BrokerEvent;
import io.github.jchannels.server.broker.History;
import io.github.jchannels.server.broker.Recovery;
import io.github.jchannels.server.broker.StreamPosition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * Single-flight reads of a channel's top and of recoveries (PROTOCOL.md section 11), so that a
 * storm of resubscribes on one channel (every client of a killed node coming back at once)
 * costs the broker a few reads instead of one per client.
 *
 * <p>Per channel at most one broker read is in flight. Requests that arrive meanwhile wait and
 * are all served by the next read, which recovers from the oldest position among them; each
 * request then gets its own answer from that one result:
 *
 * <ul>
 *   <li>another epoch than the top's, or a {@code seq} beyond the top: not recovered;
 *   <li>exactly the top: recovered, nothing to replay;
 *   <li>more than {@code limit} events behind the top: not recovered;
 *   <li>at or after the read's position in the same epoch when the read recovered: recovered,
 *       with the suffix of the read's events after its own position (a suffix of every event
 *       after an older position is every event after its own);
 *   <li>exactly the read's position when the read did not recover: not recovered (the broker's
 *       answer for that very position);
 *   <li>otherwise (the read did not recover an older position; this one may still be in the
 *       history): read again, with the other such requests, from the oldest of them.
 * </ul>
 *
 * <p>A request never shares a read issued before it was made: the caller holds the connection's
 * live events back before it asks, and the read must see the stream after that, so that the
 * held events continue the answer with no gap. The answer's {@link Frame}s are made once per
 * read and shared by every request it serves.
 *
 * <p>Thread-safe. Answers complete on the broker's threads (or on the caller's, for a broker
 * that answers at once).
 */
final class RecoveryReads {
  private final Broker broker;
  private final int limit;
  private final ConcurrentHashMap<String, Lane> lanes = new ConcurrentHashMap<>();
  private final LongAdder reads = new LongAdder();

  /** The answer to one request: the top and, for a recovery, the flag and the replay. */
  record Answer(StreamPosition top, boolean recovered, List<Frame> replay) {}

  /** Reads through {@code broker}; a recovery may replay at most {@code limit} events. */
  RecoveryReads(Broker broker, int limit) {
    this.broker = Objects.requireNonNull(broker, "broker");
    this.limit = limit;
  }

  /** The channel's top, from the next read of {@code channel}. */
  CompletableFuture<Answer> position(String channel, History history) {
    return submit(channel, history, null);
  }

  /** The recovery of {@code since} on {@code channel}, from the next read of the channel. */
  CompletableFuture<Answer> recover(String channel, History history, StreamPosition since) {
    return submit(channel, history, Objects.requireNonNull(since, "since"));
  }

  /** How many reads were sent to the broker (for tests and diagnostics). */
  long reads() {
    return reads.sum();
  }

  /** How many requests of {@code channel} wait for its next read. */
  int waiting(String channel) {
    Lane lane = lanes.get(channel);
    if (lane == null) {
      return 0;
    }
    synchronized (lane) {
      return lane.pending.size();
    }
  }

  /** How many channels have a read in flight or requests waiting. */
  int busyChannels() {
    return lanes.size();
  }

  private CompletableFuture<Answer> submit(String channel, History history,
      @Nullable StreamPosition since) {
    Request r = new Request(since);
    while (true) {
      Lane lane = lanes.computeIfAbsent(channel, c -> new Lane(c, history));
      boolean start;
      synchronized (lane) {
        if (lane.retired) {
          continue; // it just went idle and left the map; take the next one
        }
        lane.pending.add(r);
        start = !lane.reading;
        lane.reading = true;
      }
      if (start) {
        lane.drive();
      }
      return r.answer;
    }
  }

  private static final class Request {
    final @Nullable StreamPosition since;
    final CompletableFuture<Answer> answer = new CompletableFuture<>();

    Request(@Nullable StreamPosition since) {
      this.since = since;
    }
  }

  /** One channel's reads. */
  private final class Lane {
    final String channel;
    final History history;
    /** Guarded by this: requests waiting for the next read. */
    List<Request> pending = new ArrayList<>();
    /** Guarded by this: a read is in flight (or being started). */
    boolean reading;
    /** Guarded by this: idle and out of the map; submitters take a new lane. */
    boolean retired;

    Lane(String channel, History history) {
      this.channel = channel;
      this.history = history;
    }

    /** Sends reads until none is needed or one is in flight. Called with {@code reading}. */
    void drive() {
      while (true) {
        List<Request> batch;
        synchronized (this) {
          if (pending.isEmpty()) {
            reading = false;
            retired = true;
            lanes.remove(channel, this);
            return;
          }
          batch = pending;
          pending = new ArrayList<>();
        }
        StreamPosition from = oldest(batch);
        CompletableFuture<Recovery> read = send(from);
        if (!read.isDone()) {
          // settle never throws out of here: it completes futures only
          var unused = read.whenComplete((rec, err) -> {
            settle(batch, from, rec, err);
            drive();
          });
          return;
        }
        Recovery rec = null;
        Throwable err = null;
        try {
          rec = read.join();
        } catch (CompletionException | CancellationException e) {
          err = e;
        }
        settle(batch, from, rec, err);
      }
    }

    private CompletableFuture<Recovery> send(@Nullable StreamPosition from) {
      reads.increment();
      try {
        CompletionStage<Recovery> stage = from == null
            ? broker.position(channel, history).thenApply(Recovery::notRecovered)
            : broker.recover(channel, from, history, limit);
        return stage.toCompletableFuture();
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(e);
      }
    }

    /** Answers what {@code rec} answers; puts the others first in line for the next read. */
    private void settle(List<Request> batch, @Nullable StreamPosition from,
        @Nullable Recovery rec, @Nullable Throwable err) {
      if (rec == null) {
        Throwable cause = err instanceof CompletionException && err.getCause() != null
            ? err.getCause() : err;
        Throwable failure = cause != null ? cause : new IllegalStateException("no answer");
        for (Request r : batch) {
          r.answer.completeExceptionally(failure);
        }
        return;
      }
      Replay replay = new Replay(from, rec);
      List<Request> again = new ArrayList<>();
      for (Request r : batch) {
        Answer a = replay.answer(r.since);
        if (a == null) {
          again.add(r);
        } else {
          r.answer.complete(a);
        }
      }
      if (!again.isEmpty()) {
        synchronized (this) {
          again.addAll(pending);
          pending = again;
        }
      }
    }
  }

  /** One read's result, with its frames made at most once. */
  private final class Replay {
    final @Nullable StreamPosition from;
    final Recovery rec;
    @Nullable List<Frame> frames;

    Replay(@Nullable StreamPosition from, Recovery rec) {
      this.from = from;
      this.rec = rec;
    }

    /** The answer for a request of {@code since}, or null if it needs another read. */
    @Nullable Answer answer(@Nullable StreamPosition since) {
      StreamPosition top = rec.top();
      if (since == null) {
        return new Answer(top, false, List.of());
      }
      long s = since.seq();
      if (!since.epoch().equals(top.epoch()) || s > top.seq()) {
        return new Answer(top, false, List.of());
      }
      if (s == top.seq()) {
        return new Answer(top, true, List.of());
      }
      if (top.seq() - s > limit) {
        return new Answer(top, false, List.of());
      }
      if (from == null || !from.epoch().equals(since.epoch()) || from.seq() > s) {
        return null;
      }
      if (!rec.recovered()) {
        return from.seq() == s ? new Answer(top, false, List.of()) : null;
      }
      List<Frame> all = frames();
      if (all.size() != top.seq() - from.seq()) {
        // the broker broke its contract; never replay part of the missed events
        return new Answer(top, false, List.of());
      }
      return new Answer(top, true, all.subList((int) (s - from.seq()), all.size()));
    }

    private List<Frame> frames() {
      List<Frame> f = frames;
      if (f == null) {
        List<BrokerEvent> events = rec.events();
        List<Frame> made = new ArrayList<>(events.size());
        long expected = from == null ? 0 : from.seq() + 1;
        for (BrokerEvent e : events) {
          if (e.seq() != expected++) {
            made = List.of(); // out of order: not a replay this node can vouch for
            break;
          }
          made.add(BrokerLink.frame(e));
        }
        f = List.copyOf(made);
        frames = f;
      }
      return f;
    }
  }

  /**
   * The position to read from: the oldest {@code seq} among the requests of the epoch most of
   * them name; null when every request asks for the top only.
   */
  private static @Nullable StreamPosition oldest(List<Request> batch) {
    Map<String, long[]> byEpoch = new HashMap<>(); // epoch -> {count, min seq}
    String best = null;
    long[] bestCount = {0, 0};
    for (Request r : batch) {
      StreamPosition s = r.since;
      if (s == null) {
        continue;
      }
      long[] c = byEpoch.computeIfAbsent(s.epoch(), e -> new long[] {0, Long.MAX_VALUE});
      c[0]++;
      c[1] = Math.min(c[1], s.seq());
      if (c[0] > bestCount[0]) {
        bestCount = c;
        best = s.epoch();
      }
    }
    return best == null ? null : StreamPosition.of(best, bestCount[1]);
  }
}
