package io.github.jchannels.server.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.jchannels.core.time.FakeScheduler;
import io.github.jchannels.server.broker.Broker;
import io.github.jchannels.server.broker.BrokerException;
import io.github.jchannels.server.broker.BrokerListener;
import io.github.jchannels.server.broker.History;
import io.github.jchannels.server.broker.InMemoryBroker;
import io.github.jchannels.server.broker.Recovery;
import io.github.jchannels.server.broker.StreamPosition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A slow broker for tests: an {@link InMemoryBroker} on a {@link FakeScheduler} whose reads
 * (position and recover) run when they are called, as a Redis read runs when it is sent, but
 * whose answers wait until the test releases them, one read at a time, oldest first. Counts the
 * reads and the most that were ever in flight at once.
 */
final class HeldBroker implements Broker {
  private final InMemoryBroker real;
  private final BlockingQueue<Held> held = new LinkedBlockingQueue<>();
  private final List<@Nullable StreamPosition> reads = new CopyOnWriteArrayList<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();

  private record Held(Runnable answer, Runnable fail) {}

  HeldBroker(FakeScheduler time) {
    this.real = InMemoryBroker.builder().scheduler(time).build();
  }

  /** The positions the reads recovered from, in the order they were sent (null: a top). */
  List<@Nullable StreamPosition> reads() {
    return new ArrayList<>(reads); // with its nulls
  }

  /** The most reads that were in flight at one time. */
  int maxInFlight() {
    return maxInFlight.get();
  }

  /** How many reads wait for their answer. */
  int waiting() {
    return held.size();
  }

  /** Waits until {@code n} reads wait for their answer. */
  void awaitWaiting(int n, Duration timeout) {
    await().atMost(timeout).until(() -> held.size() == n);
  }

  /** The channel's top, read at once (not held, not counted). */
  StreamPosition top(String channel, History history) {
    return real.position(channel, history).toCompletableFuture().join();
  }

  /** Answers the oldest waiting read (waiting for one to be sent, at most {@code timeout}). */
  void release(Duration timeout) throws InterruptedException {
    take(timeout).answer().run();
  }

  /** Fails the oldest waiting read with a {@link BrokerException}. */
  void fail(Duration timeout) throws InterruptedException {
    take(timeout).fail().run();
  }

  private Held take(Duration timeout) throws InterruptedException {
    Held h = held.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(h).as("a read was sent to the broker").isNotNull();
    return h;
  }

  private <T> CompletionStage<T> hold(@Nullable StreamPosition from, CompletionStage<T> answer) {
    reads.add(from);
    maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
    CompletableFuture<T> out = new CompletableFuture<>();
    held.add(new Held(() -> {
      inFlight.decrementAndGet();
      var unused = answer.whenComplete((v, e) -> {
        if (e != null) {
          out.completeExceptionally(e);
        } else {
          out.complete(v);
        }
      });
    }, () -> {
      inFlight.decrementAndGet();
      out.completeExceptionally(new BrokerException("read failed (test)"));
    }));
    return out;
  }

  @Override
  public String nodeId() {
    return real.nodeId();
  }

  @Override
  public void start(BrokerListener listener) {
    real.start(listener);
  }

  @Override
  public CompletionStage<StreamPosition> publish(String channel, String payload,
      History history) {
    return real.publish(channel, payload, history);
  }

  @Override
  public CompletionStage<Void> subscribe(String channel, History history) {
    return real.subscribe(channel, history);
  }

  @Override
  public CompletionStage<Void> unsubscribe(String channel) {
    return real.unsubscribe(channel);
  }

  @Override
  public CompletionStage<StreamPosition> position(String channel, History history) {
    return hold(null, real.position(channel, history));
  }

  @Override
  public CompletionStage<Recovery> recover(String channel, StreamPosition since, History history,
      int limit) {
    return hold(since, real.recover(channel, since, history, limit));
  }

  @Override
  public CompletionStage<Set<String>> liveNodes() {
    return real.liveNodes();
  }

  @Override
  public void close() {
    real.close();
  }
}
