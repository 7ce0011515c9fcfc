package io.github.jchannels.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.github.jchannels.client.ChannelClient;
import io.github.jchannels.client.ClientSubscription;
import io.github.jchannels.client.ConnectionState;
import io.github.jchannels.client.Subscribed;
import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.SessionEvent;
import io.github.jchannels.core.time.FakeScheduler;
import io.github.jchannels.server.ChannelServer;
import io.github.jchannels.server.broker.History;
import io.github.jchannels.test.client.RecordingHandler;
import io.github.jchannels.test.client.RecordingStateListener;
import io.github.jchannels.test.client.TcpForwarder;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, "a client on node A while A is killed": node A runs in a child JVM on a real Redis
 * and is killed with {@code kill -9} ({@link Process#destroyForcibly()}) while the real Java
 * client is subscribed on it and node B (in this JVM, same Redis) keeps publishing. The
 * client's next connection goes to B (through a loopback TCP forwarder the test repoints: a
 * client has one URI, as behind a load balancer), and it recovers every event it missed,
 * nothing missing, nothing twice, in order. Reconnect timers run on a {@link FakeScheduler}.
 */
class NodeKilledRecoveryTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Duration START = Duration.ofMinutes(2);
  private static final Channel<SessionEvent> CH = Channels.session("k1");

  private RedisProcess redis;
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private @Nullable Process child;

  @BeforeEach
  void startRedis() throws Exception {
    redis = RedisProcess.start();
  }

  @AfterEach
  void stopAll() throws Exception {
    if (child != null) {
      child.destroyForcibly();
      child.waitFor(10, TimeUnit.SECONDS);
    }
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
    redis.stop();
  }

  /** Starts node A in a child JVM and returns its port. */
  private int startChildNode(String nodeId) throws Exception {
    String java = ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        ChildNode.class.getName(), redis.uri(), nodeId).redirectErrorStream(true).start();
    child = p;
    CompletableFuture<Integer> port = new CompletableFuture<>();
    StringBuilder output = new StringBuilder();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(),
          StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          if (line.startsWith("PORT ")) {
            port.complete(Integer.parseInt(line.substring(5).trim()));
          } else if (output.length() < 20_000) {
            synchronized (output) {
              output.append(line).append('\n');
            }
          }
        }
      } catch (Exception e) {
        // the process ended
      }
      port.completeExceptionally(new IllegalStateException("the child node ended"));
    }, "child-node-output");
    reader.setDaemon(true);
    reader.start();
    try {
      // a JVM start on a machine shared by many builds can take a while: generous on purpose
      return port.get(START.toSeconds(), TimeUnit.SECONDS);
    } catch (Exception e) {
      synchronized (output) {
        return fail("node " + nodeId + " did not start: " + e + "\n" + output);
      }
    }
  }

  private ChannelServer nodeB() {
    RedisBroker broker = RedisBroker.builder().uri(redis.uri()).nodeId("b")
        .reconnectDelayMax(Duration.ofMillis(200)).retryDelay(Duration.ofMillis(100)).build();
    toClose.add(broker);
    ChannelServer server = ChannelServer.builder().host("127.0.0.1").port(0)
        .history(Channels.SESSION, History.of(100, Duration.ofMinutes(5)))
        .broker(broker).build().start();
    toClose.add(server);
    return server;
  }

  private static void publish(ChannelServer node, int from, int to) {
    for (int i = from; i <= to; i++) {
      node.broadcast(CH, new SessionEvent.StreamOutput("k1", "w" + i, i));
    }
  }

  private static void awaitWord(RecordingHandler<SessionEvent> got, String word)
      throws InterruptedException {
    got.take(e -> e instanceof SessionEvent.StreamOutput o && o.message().equals(word), WAIT);
  }

  @Test
  void aClientOnAKilledNodeReconnectsToAnotherAndRecoversWhatItMissed() throws Exception {
    ChannelServer b = nodeB();
    int portA = startChildNode("a");
    TcpForwarder path = TcpForwarder.toLoopbackPort(portA);
    toClose.add(path);
    FakeScheduler time = new FakeScheduler();
    RecordingStateListener states = new RecordingStateListener();
    ChannelClient client = ChannelClient.builder(path.wsUri("/ws")).scheduler(time)
        .unlimitedReconnectAttempts().build();
    toClose.add(client);
    client.addStateListener(states);
    List<String> words = new CopyOnWriteArrayList<>();
    RecordingHandler<SessionEvent> got = new RecordingHandler<>();
    ClientSubscription sub = client.subscribe(CH, e -> {
      if (e instanceof SessionEvent.StreamOutput o) {
        words.add(o.message());
      }
      got.accept(e);
    });
    List<Subscribed> stale = new CopyOnWriteArrayList<>();
    sub.onStale(stale::add);
    client.connect().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    sub.joined().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(sub.subscribed().recoverable()).isTrue();

    publish(b, 1, 10); // through Redis to the client on A
    awaitWord(got, "w10");

    Process a = child;
    a.destroyForcibly(); // kill -9: no close frame, no goodbye to Redis
    assertThat(a.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    ConnectionState.Reconnecting r = states.takeState(ConnectionState.Reconnecting.class, WAIT);
    publish(b, 11, 30); // publishing goes on while the client is away

    path.target(b.port()); // the load balancer now sends it to B
    Thread more = Thread.ofPlatform().name("publisher-b").start(() -> publish(b, 31, 60));
    time.advance(r.delay()); // reconnects while B publishes
    states.takeReady(WAIT);
    more.join(WAIT.toMillis());
    awaitWord(got, "w60");

    List<String> expected = new ArrayList<>();
    for (int i = 1; i <= 60; i++) {
      expected.add("w" + i);
    }
    assertThat(words).as("nothing missing, nothing twice, in order").isEqualTo(expected);
    Subscribed last = sub.subscribed();
    assertThat(last.wasRecovering()).isTrue();
    assertThat(last.recovered()).isTrue();
    assertThat(stale).isEmpty();
    assertThat(path.accepted()).isEqualTo(2);
  }
}
