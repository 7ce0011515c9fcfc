package io.github.jchannels.test.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.jchannels.client.ChannelClient;
import io.github.jchannels.client.ChannelException;
import io.github.jchannels.client.ConnectionState;
import io.github.jchannels.client.ReconnectJitter;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.SessionEvent;
import io.github.jchannels.core.time.FakeScheduler;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Giving up, manual reconnect, unlimited attempts and thread ownership, on fake time. */
class ReconnectionTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private final FakeScheduler time = new FakeScheduler();
  private final RecordingStateListener states = new RecordingStateListener();

  private static int freePort() throws Exception {
    try (ScriptedServer probe = ScriptedServer.start()) {
      return probe.port();
    }
  }

  @Test
  void delaysFollowTheScheduleThenGiveUpAndConnectOrReconnectStartsAgain() throws Exception {
    int port = freePort();
    URI uri = URI.create("ws://127.0.0.1:" + port + "/ws");
    try (ChannelClient client = ChannelClient.builder(uri).scheduler(time)
        .reconnectJitter(ReconnectJitter.NONE).maxReconnectAttempts(4).build()) {
      client.addStateListener(states);
      CompletableFuture<Void> connected = client.connect();
      List<Long> expected = List.of(1L, 2L, 4L, 8L);
      for (int n = 1; n <= 4; n++) {
        ConnectionState.Reconnecting r = states.takeState(ConnectionState.Reconnecting.class,
            WAIT);
        assertThat(r.attempt()).isEqualTo(n);
        assertThat(r.maxAttempts()).isEqualTo(4);
        assertThat(r.delay()).isEqualTo(Duration.ofSeconds(expected.get(n - 1)));
        time.advance(r.delay().minusMillis(1));
        assertThat(client.state()).isInstanceOf(ConnectionState.Reconnecting.class);
        time.advance(Duration.ofMillis(1));
        assertThat(states.takeState(ConnectionState.Connecting.class, WAIT).attempt())
            .isEqualTo(n);
      }
      assertThat(states.takeState(ConnectionState.Closed.class, WAIT).reason())
          .isEqualTo(ConnectionState.CloseReason.GAVE_UP);
      assertThatThrownBy(() -> connected.get(WAIT.toSeconds(), TimeUnit.SECONDS))
          .hasCauseInstanceOf(ChannelException.class);
      assertThat(client.metrics().snapshot().reconnections()).isEqualTo(4);

      try (ScriptedServer server = ScriptedServer.start(port)) {
        client.connect().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        server.closeAll(1011, "again");
        assertThat(states.takeState(ConnectionState.Reconnecting.class, WAIT).attempt())
            .as("connect() from Closed starts counting again").isEqualTo(1);
        client.reconnect();
        assertThat(states.takeState(ConnectionState.Connecting.class, WAIT).attempt())
            .isZero();
        states.takeReady(WAIT);
      }
    }
  }

  @Test
  void unlimitedAttemptsKeepTrying() throws Exception {
    URI uri = URI.create("ws://127.0.0.1:" + freePort() + "/ws");
    try (ChannelClient client = ChannelClient.builder(uri).scheduler(time)
        .unlimitedReconnectAttempts().build()) {
      client.addStateListener(states);
      var unused = client.connect(); // the states tell how it goes
      for (int n = 1; n <= 8; n++) {
        ConnectionState.Reconnecting r = states.takeState(ConnectionState.Reconnecting.class,
            WAIT);
        assertThat(r.maxAttempts()).isEqualTo(ConnectionState.UNLIMITED);
        assertThat(r.attempt()).isEqualTo(n);
        time.advance(r.delay());
      }
    }
  }

  @Test
  void closeFromAListenerDoesNotDeadlock() throws Exception {
    try (ScriptedServer server = ScriptedServer.start()) {
      ChannelClient client = ChannelClient.builder(server.uri()).scheduler(time)
          .name("selfclose").build();
      CompletableFuture<Void> closedIt = new CompletableFuture<>();
      client.addStateListener(s -> {
        if (s.isReady()) {
          client.close();
          closedIt.complete(null);
        }
      });
      var unused = client.connect(); // the states tell how it goes
      closedIt.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(client.state()).isInstanceOf(ConnectionState.Closed.class);
      assertThat(client.send(Channels.session("x"),
          new SessionEvent.SendMessage("late", null, null))).isFalse();
    }
  }

  @Test
  void aHandshakeThatNeverCompletesTimesOutAndCloseStillEndsEveryThread() throws Exception {
    ServerSocket blackHole = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    try {
      List<Socket> accepted = new CopyOnWriteArrayList<>();
      Thread acceptor = Thread.ofPlatform().daemon().start(() -> {
        try {
          while (true) {
            accepted.add(blackHole.accept()); // reads nothing, answers nothing
          }
        } catch (IOException closed) {
          // done
        }
      });
      ChannelClient client = ChannelClient.builder(
              URI.create("ws://127.0.0.1:" + blackHole.getLocalPort() + "/ws"))
          .scheduler(time).name("blackhole").connectTimeout(Duration.ofSeconds(3))
          .maxReconnectAttempts(1).build();
      client.addStateListener(states);
      var unused = client.connect(); // the states tell how it goes
      states.takeState(ConnectionState.Connecting.class, WAIT);
      time.awaitPending(1, WAIT);
      time.advance(Duration.ofSeconds(3));
      ConnectionState.Reconnecting r = states.takeState(ConnectionState.Reconnecting.class, WAIT);
      assertThat(r.code()).isEqualTo(ChannelClient.CONNECT_TIMEOUT);
      time.advance(r.delay());
      states.takeState(ConnectionState.Connecting.class, WAIT);
      client.close(); // while the second handshake hangs
      assertThat(threadsLeftAfterClose("blackhole-")).isEmpty();
      for (Socket s : accepted) {
        s.close();
      }
      blackHole.close();
      acceptor.join(5000);
    } finally {
      blackHole.close(); // idempotent: also when the test failed before
    }
  }

  /**
   * The threads named {@code prefix...} still alive after each was joined within {@link #WAIT}.
   * close() has told them all to end, and its executors have terminated, but a pool reports
   * termination before its last thread has left its run method: on a loaded machine that thread
   * can still be alive a moment later. One alive after {@code WAIT} was never told to end.
   */
  private static Set<String> threadsLeftAfterClose(String prefix) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    Set<String> left = new HashSet<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith(prefix)) {
        t.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        if (t.isAlive()) {
          left.add(t.getName());
        }
      }
    }
    return left;
  }
}
