package io.github.jchannels.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.github.jchannels.client.ChannelClient;
import io.github.jchannels.client.ClientSubscription;
import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.SessionEvent;
import io.github.jchannels.core.time.FakeScheduler;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code --redis}: two demo processes (two {@link DemoApp}s on free ports here) on one real
 * Redis behave as one server: a client on node 2 gets the stream of a message sent through
 * node 1, and its subscription is recoverable on the shared history. The test starts
 * {@code redis-server} itself (no persistence) and stops it by PID; without the binary it is
 * skipped locally with a message, and fails under {@code CI=true}.
 */
class DemoRedisTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private final FakeScheduler clientTime = new FakeScheduler();
  private static final Channel<SessionEvent> DEMO = Channels.session("demo");

  private final List<AutoCloseable> toClose = new ArrayList<>();
  private Process redis;

  @AfterEach
  void stopAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
    if (redis != null) {
      redis.destroy();
      if (!redis.waitFor(10, TimeUnit.SECONDS)) {
        redis.destroyForcibly();
        redis.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /** Starts redis-server on a free port; returns its URI. */
  private String startRedis() throws Exception {
    String binary = null;
    String path = System.getenv().getOrDefault("PATH", "/usr/bin");
    for (String dir : path.split(File.pathSeparator, -1)) {
      File f = new File(dir, "redis-server");
      if (f.canExecute()) {
        binary = f.getPath();
        break;
      }
    }
    if (binary == null) {
      if ("true".equals(System.getenv("CI"))) {
        fail("redis-server is not installed (CI=true: the Redis tests are required)");
      }
      Assumptions.abort("SKIPPED: redis-server is not installed (apt-get install redis-server)");
    }
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    redis = new ProcessBuilder(binary, "--port", Integer.toString(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no").redirectErrorStream(true).start();
    CompletableFuture<Void> ready = new CompletableFuture<>();
    Process p = redis;
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(),
          StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) {
          if (line.contains("Ready to accept connections")) {
            ready.complete(null);
          }
        }
      } catch (IOException e) {
        // ended
      }
      ready.completeExceptionally(new IllegalStateException("redis-server ended"));
    }, "redis-output");
    reader.setDaemon(true);
    reader.start();
    ready.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    return "redis://127.0.0.1:" + port;
  }

  private DemoApp node(String redisUri) throws IOException {
    DemoApp app = DemoApp.start(DemoOptions.defaults().onFreePorts()
        .withWordDelay(Duration.ofMillis(5)).withRedis(redisUri));
    toClose.add(app);
    return app;
  }

  private ChannelClient client(DemoApp node) {
    ChannelClient c = ChannelClient.builder(URI.create(node.wsUrl()))
        .token(() -> DemoOptions.DEFAULT_TOKEN)
        .scheduler(clientTime)   // no client timer (timeouts, heartbeat) fires on a slow machine
        .build();
    toClose.add(c);
    return c;
  }

  @Test
  void aClientOnNodeTwoGetsTheStreamOfAMessageSentThroughNodeOne() throws Exception {
    String uri = startRedis();
    DemoApp one = node(uri);
    DemoApp two = node(uri);
    assertThat(one.wsUrl()).isNotEqualTo(two.wsUrl());

    ChannelClient onTwo = client(two);
    StringBuilder text = new StringBuilder();
    CompletableFuture<String> complete = new CompletableFuture<>();
    ClientSubscription sub = onTwo.subscribe(DEMO, e -> {
      switch (e) {
        case SessionEvent.StreamOutput o -> text.append(o.message());
        case SessionEvent.MessageComplete c -> complete.complete(text.toString());
        default -> { }
      }
    });
    onTwo.connect().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    sub.joined().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(sub.subscribed().recoverable()).as("session history lives in Redis").isTrue();

    ChannelClient onOne = client(one);
    ClientSubscription sender = onOne.subscribe(DEMO, e -> { });
    onOne.connect().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    sender.joined().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(sender.subscribed().position().epoch())
        .as("both nodes report the same stream").isEqualTo(sub.subscribed().position().epoch());
    onOne.request(DEMO, new SessionEvent.SendMessage("hello across two demo nodes", null, null))
        .get(WAIT.toSeconds(), TimeUnit.SECONDS);

    assertThat(complete.get(WAIT.toSeconds(), TimeUnit.SECONDS))
        .isEqualTo("hello across two demo nodes");
  }

  @Test
  void aBadRedisUriIsRefusedWithTheFlagNamed() {
    assertThat(DemoOptions.parse("--redis", "redis://127.0.0.1:6379").redis())
        .isEqualTo("redis://127.0.0.1:6379");
    assertThat(DemoOptions.defaults().redis()).isNull();
    assertThatThrownBy(() -> DemoOptions.parse("--redis", "http://x"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--redis");
  }
}
