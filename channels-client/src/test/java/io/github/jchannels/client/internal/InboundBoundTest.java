package io.github.jchannels.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.jchannels.client.ChannelClient;
import io.github.jchannels.client.ConnectionState;
import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.SessionEvent;
import io.github.jchannels.core.time.FakeScheduler;
import java.net.URI;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The handler-queue bound, with a transport played by the test. */
class InboundBoundTest {
  private static final Channel<SessionEvent> S1 = Channels.session("s1");
  private final FakeScheduler time = new FakeScheduler();

  private static String event(int i) {
    return "{\"channel\":\"session:s1\",\"type\":\"stream_output\",\"data\":{\"sessionId\":"
        + "\"s1\",\"message\":\"m" + i + "\",\"timestamp\":" + i + "}}";
  }

  private static void awaitNothingPending(RealChannelClient c) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (c.pendingInboundEvents() > 0 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(c.pendingInboundEvents()).isZero();
  }

  @Test
  void aFullQueuePausesAPausableTransportAndResumesAtHalf() throws Exception {
    FakeTransport transport = new FakeTransport(true);
    try (ChannelClient client = ChannelClient.builder(URI.create("ws://fake/ws"))
        .transport(transport).scheduler(time).inboundQueue(4, 1 << 20).build()) {
      CountDownLatch release = new CountDownLatch(1);
      List<SessionEvent> got = new CopyOnWriteArrayList<>();
      client.subscribe(S1, e -> {
        try {
          release.await();
        } catch (InterruptedException x) {
          Thread.currentThread().interrupt();
        }
        got.add(e);
      });
      CompletableFuture<Void> connected = client.connect();
      FakeTransport.Socket s = transport.take();
      s.ready();
      connected.get(20, TimeUnit.SECONDS);
      awaitNothingPending((RealChannelClient) client); // 'connected' itself was counted
      for (int i = 0; i < 3; i++) {
        s.listener.onText(event(i));
      }
      assertThat(s.paused).isFalse();
      s.listener.onText(event(3));
      assertThat(s.paused).as("the 4th waiting event reaches the bound").isTrue();
      release.countDown();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (got.size() < 4 && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertThat(got).hasSize(4);
      assertThat(s.paused).isFalse();
      assertThat(client.metrics().snapshot().readPauses()).isEqualTo(1);
    }
  }

  @Test
  void aTransportThatCannotPauseIsClosedAndRecoveredWithoutLosingWhatArrived()
      throws Exception {
    FakeTransport transport = new FakeTransport(false);
    BlockingQueue<ConnectionState> states = new LinkedBlockingQueue<>();
    try (ChannelClient client = ChannelClient.builder(URI.create("ws://fake/ws"))
        .transport(transport).scheduler(time).inboundQueue(3, 1 << 20).build()) {
      client.addStateListener(states::add);
      CountDownLatch release = new CountDownLatch(1);
      List<String> got = new CopyOnWriteArrayList<>();
      client.subscribe(S1, e -> {
        try {
          release.await();
        } catch (InterruptedException x) {
          Thread.currentThread().interrupt();
        }
        if (e instanceof SessionEvent.StreamOutput o) {
          got.add(o.message());
        }
      });
      CompletableFuture<Void> unused = client.connect();
      FakeTransport.Socket s = transport.take();
      s.ready();
      for (int i = 0; i < 5; i++) {
        s.listener.onText(event(i));
      }
      assertThat(s.takeClose()).isEqualTo(ChannelClient.INBOUND_OVERFLOW);
      release.countDown();
      ConnectionState st;
      do {
        st = states.poll(20, TimeUnit.SECONDS);
        assertThat(st).isNotNull();
      } while (!(st instanceof ConnectionState.Reconnecting));
      assertThat(((ConnectionState.Reconnecting) st).code())
          .isEqualTo(ChannelClient.INBOUND_OVERFLOW);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (got.size() < 5 && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertThat(got).containsExactly("m0", "m1", "m2", "m3", "m4");
    }
  }
}
