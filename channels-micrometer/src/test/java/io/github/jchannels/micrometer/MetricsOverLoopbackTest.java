package io.github.jchannels.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.jchannels.client.ChannelClient;
import io.github.jchannels.client.ClientSubscription;
import io.github.jchannels.client.ConnectionState;
import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.Codec;
import io.github.jchannels.core.EventRegistry;
import io.github.jchannels.core.SessionEvent;
import io.github.jchannels.core.time.FakeScheduler;
import io.github.jchannels.server.ChannelServer;
import io.github.jchannels.server.ConnectionInfo;
import io.github.jchannels.server.ServerLimits;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Both binders against a real server and a real client on loopback, protocol timers on
 * {@link FakeScheduler}s; each meter is checked against what happened.
 */
class MetricsOverLoopbackTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final Channel<SessionEvent> S1 = Channels.session("m1");

  private final FakeScheduler serverTime = new FakeScheduler();
  private final FakeScheduler clientTime = new FakeScheduler();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final ChannelServerMetrics serverMetrics = new ChannelServerMetrics(Tags.of("app", "t"));
  private final BlockingQueue<SessionEvent> received = new LinkedBlockingQueue<>();
  private @Nullable ChannelServer server;
  private @Nullable ChannelClient client;

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private ChannelServer startServer(ServerLimits limits) {
    ChannelServer s = ChannelServer.builder().host("127.0.0.1").port(0)
        .scheduler(serverTime)
        .limits(limits)
        .listener(serverMetrics)
        .handle(Channels.SESSION, SessionEvent.SendMessage.class, r -> {
          if (r.event().message().equals("fail")) {
            throw new IllegalStateException("handler failure (expected)");
          }
        })
        .build();
    serverMetrics.monitor(s).bindTo(registry);
    server = s;
    return s.start();
  }

  private ChannelClient newClient(ChannelClient.Builder options) {
    ChannelClient c = options.build();
    new ChannelClientMetrics(c, Tags.of("app", "t")).bindTo(registry);
    client = c;
    return c;
  }

  private ChannelClient.Builder clientOptions(ChannelServer s) {
    return ChannelClient.builder(URI.create("ws://127.0.0.1:" + s.port() + "/ws"))
        .scheduler(clientTime);
  }

  private static void get(Future<?> f) throws Exception {
    f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  private double gauge(String name, String... tags) {
    return registry.get(name).tags(tags).gauge().value();
  }

  private double counter(String name, String... tags) {
    return registry.get(name).tags(tags).functionCounter().count();
  }

  private double closes(String code) {
    Counter c = registry.find("channels.server.closes").tags("code", code).counter();
    return c == null ? 0 : c.count();
  }

  private ChannelClient connectAndJoin() throws Exception {
    ChannelServer s = startServer(ServerLimits.defaults());
    ChannelClient c = newClient(clientOptions(s));
    ClientSubscription sub = c.subscribe(S1, received::add);
    get(c.connect());
    get(sub.joined());
    return c;
  }

  @Test
  void gaugesFollowConnectionsSubscriptionsAndChannels() throws Exception {
    ChannelServer s = startServer(ServerLimits.defaults());
    assertThat(gauge("channels.server.connections", "app", "t")).isZero();
    ChannelClient c = newClient(clientOptions(s));
    ClientSubscription sub = c.subscribe(S1, received::add);
    get(c.connect());
    get(sub.joined());

    assertThat(gauge("channels.server.connections")).isEqualTo(1);
    assertThat(gauge("channels.server.subscriptions")).isEqualTo(1);
    assertThat(gauge("channels.server.channels")).isEqualTo(1);
    assertThat(counter("channels.server.connections.accepted")).isEqualTo(1);
    assertThat(counter("channels.server.messages.received"))
        .isEqualTo((double) s.metrics().messagesIn()).isPositive();
    assertThat(counter("channels.server.bytes", "direction", "in"))
        .isEqualTo((double) s.metrics().bytesIn()).isPositive();

    c.close();
    await().atMost(WAIT).untilAsserted(() ->
        assertThat(gauge("channels.server.connections")).isZero());
    assertThat(gauge("channels.server.subscriptions")).isZero();
    assertThat(gauge("channels.server.channels")).isZero();
  }

  @Test
  void aBroadcastIsTimedAndCountedOncePerReceiver() throws Exception {
    connectAndJoin();
    ChannelServer s = server();
    received.poll(WAIT.toSeconds(), TimeUnit.SECONDS);   // the welcome subscribe_success
    double deliveries = counter("channels.server.deliveries");
    double bytesOut = counter("channels.server.bytes", "direction", "out");
    double encoded = counter("channels.server.encoded.frames");
    SessionEvent.StreamOutput event = new SessionEvent.StreamOutput("m1", "hi", 1L);
    long frameSize = Codec.forServer(EventRegistry.defaults()).encode(S1, event).size();

    assertThat(s.broadcast(S1, event)).isEqualTo(1);

    assertThat(received.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(event);
    // the listener runs on the broadcasting thread, before broadcast returns
    Timer duration = registry.get("channels.server.broadcast.duration")
        .tags("family", "session", "app", "t").timer();
    assertThat(duration.count()).isEqualTo(1);
    assertThat(registry.get("channels.server.broadcast.receivers")
        .tags("family", "session").summary().totalAmount()).isEqualTo(1);
    assertThat(counter("channels.server.deliveries")).isEqualTo(deliveries + 1);
    assertThat(counter("channels.server.encoded.frames")).isEqualTo(encoded + 1);
    assertThat(counter("channels.server.bytes", "direction", "out"))
        .isEqualTo(bytesOut + frameSize);

    assertThat(s.broadcast(Channels.session("nobody"), event)).isZero();
    assertThat(duration.count()).isEqualTo(2);
    assertThat(registry.get("channels.server.broadcast.receivers")
        .tags("family", "session").summary().count()).isEqualTo(2);
  }

  @Test
  void handlersAreTimedByFamilyTypeAndOutcome() throws Exception {
    ChannelClient c = connectAndJoin();

    get(c.request(S1, new SessionEvent.SendMessage("ok")));
    c.send(S1, new SessionEvent.SendMessage("fail"));

    await().atMost(WAIT).untilAsserted(() ->
        assertThat(counter("channels.server.errors", "code", "internal_error")).isEqualTo(1));
    assertThat(registry.get("channels.server.handler.duration")
        .tags("family", "session", "type", "send_message", "outcome", "success")
        .timer().count()).isEqualTo(1);
    assertThat(registry.get("channels.server.handler.duration")
        .tags("family", "session", "type", "send_message", "outcome", "failure")
        .timer().count()).isEqualTo(1);
    assertThat(counter("channels.server.errors", "code", "invalid_message")).isZero();
  }

  @Test
  void closesAreCountedByCodeWithApplicationCodesGrouped() throws Exception {
    ChannelClient c = connectAndJoin();
    ChannelServer s = server();
    String id = s.connections().stream().map(ConnectionInfo::id).findFirst().orElseThrow();

    assertThat(s.disconnect(id, 4001, "kicked")).isTrue();

    await().atMost(WAIT).untilAsserted(() -> assertThat(closes("4xxx")).isEqualTo(1));
    await().atMost(WAIT).until(() -> c.state() instanceof ConnectionState.Reconnecting
        || c.state() instanceof ConnectionState.Closed);
    c.close();
    assertThat(closes("1000")).isZero();
    assertThat(ChannelServerMetrics.codeTag(1008)).isEqualTo("1008");
    assertThat(ChannelServerMetrics.codeTag(3000)).isEqualTo("3xxx");
    assertThat(ChannelServerMetrics.codeTag(4999)).isEqualTo("4xxx");
    assertThat(ChannelServerMetrics.codeTag(1016)).isEqualTo("other");
    assertThat(ChannelServerMetrics.codeTag(2999)).isEqualTo("other");
  }

  @Test
  void aClientOverTheRateLimitIsDroppedAndCounted() throws Exception {
    // one message per (fake) hour; the second over the limit closes with 1008
    ChannelServer s = startServer(ServerLimits.builder()
        .inboundRate(1, Duration.ofHours(1)).maxRateLimitedMessages(2).build());
    ChannelClient c = newClient(clientOptions(s).maxReconnectAttempts(1));
    get(c.connect());

    c.send(S1, new SessionEvent.SendMessage("one"));
    c.send(S1, new SessionEvent.SendMessage("two"));
    c.send(S1, new SessionEvent.SendMessage("three"));

    await().atMost(WAIT).untilAsserted(() -> assertThat(closes("1008")).isEqualTo(1));
    assertThat(counter("channels.server.drops", "reason", "rate_limit")).isEqualTo(1);
    assertThat(counter("channels.server.errors", "code", "rate_limited")).isEqualTo(1);
    assertThat(counter("channels.server.drops", "reason", "slow_consumer")).isZero();
  }

  @Test
  void clientStateQueueDepthDropsAndReconnects() throws Exception {
    ChannelServer s = startServer(ServerLimits.defaults());
    ChannelClient c = newClient(clientOptions(s).sendQueueCapacity(2));
    assertThat(gauge("channels.client.state", "state", "idle")).isEqualTo(1);
    assertThat(gauge("channels.client.state", "state", "ready")).isZero();
    c.send(S1, new SessionEvent.SendMessage("q1"));
    c.send(S1, new SessionEvent.SendMessage("q2"));
    c.send(S1, new SessionEvent.SendMessage("q3"));   // over the capacity: the oldest goes
    // sends are queued on the client's own thread, in order: once q3 dropped q1, both stay
    await().atMost(WAIT).untilAsserted(() ->
        assertThat(counter("channels.client.dropped")).isEqualTo(1));
    assertThat(gauge("channels.client.queue.depth", "app", "t")).isEqualTo(2);

    get(c.connect());
    assertThat(gauge("channels.client.state", "state", "ready")).isEqualTo(1);
    for (String other : ChannelClientMetrics.STATES) {
      if (!other.equals("ready")) {
        assertThat(gauge("channels.client.state", "state", other)).as(other).isZero();
      }
    }
    await().atMost(WAIT).untilAsserted(() ->
        assertThat(gauge("channels.client.queue.depth")).isZero());
    assertThat(counter("channels.client.reconnects")).isZero();
    assertThat(counter("channels.client.messages", "direction", "out"))
        .isEqualTo((double) c.metrics().snapshot().messagesSent()).isPositive();
    assertThat(counter("channels.client.messages", "direction", "in"))
        .isEqualTo((double) c.metrics().snapshot().messagesReceived()).isPositive();

    c.reconnect();
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(counter("channels.client.reconnects")).isEqualTo(1);
      assertThat(c.state().isReady()).isTrue();
    });
    assertThat(registry.get("channels.client.latency").timeGauge().value(TimeUnit.MILLISECONDS))
        .isEqualTo(c.metrics().snapshot().averageLatencyMillis());
    assertThat(counter("channels.client.invalid.frames")).isZero();
    assertThat(counter("channels.client.handler.errors")).isZero();

    c.close();
    assertThat(gauge("channels.client.state", "state", "closed")).isEqualTo(1);
    assertThat(gauge("channels.client.state", "state", "ready")).isZero();
  }

  @Test
  void gaugesReadNanBeforeAServerIsMonitored() {
    MeterRegistry r = new SimpleMeterRegistry();
    new ChannelServerMetrics().bindTo(r);
    assertThat(r.get("channels.server.connections").gauge().value()).isNaN();
    assertThat(r.get("channels.server.deliveries").functionCounter().count()).isNaN();
  }

  @Test
  void prometheusNamesAreTheDocumentedOnes() throws Exception {
    PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try {
      serverMetrics.bindTo(prometheus);
      ChannelClient c = connectAndJoin();
      new ChannelClientMetrics(c).bindTo(prometheus);
      server().broadcast(S1, new SessionEvent.StreamOutput("m1", "hi", 1L));
      get(c.request(S1, new SessionEvent.SendMessage("ok")));
      c.close();
      await().atMost(WAIT).until(() -> prometheus.scrape().contains(
          "channels_server_closes_total{"));

      String scrape = prometheus.scrape();
      // every name of docs/metrics.md is a sample line, with labels or without
      for (String name : List.of(
          "channels_server_connections",
          "channels_server_subscriptions",
          "channels_server_channels",
          "channels_server_connections_accepted_total",
          "channels_server_messages_received_total",
          "channels_server_deliveries_total",
          "channels_server_encoded_frames_total",
          "channels_server_bytes_total",
          "channels_server_errors_total",
          "channels_server_drops_total",
          "channels_server_closes_total",
          "channels_server_broadcast_duration_seconds_count",
          "channels_server_broadcast_duration_seconds_sum",
          "channels_server_broadcast_receivers_count",
          "channels_server_handler_duration_seconds_count",
          "channels_client_state",
          "channels_client_queue_depth",
          "channels_client_latency_seconds",
          "channels_client_reconnects_total",
          "channels_client_messages_total",
          "channels_client_dropped_total",
          "channels_client_invalid_frames_total",
          "channels_client_handler_errors_total",
          "channels_server_broadcast_duration_seconds_max",
          "channels_server_broadcast_receivers_sum",
          "channels_server_broadcast_receivers_max",
          "channels_server_handler_duration_seconds_sum",
          "channels_server_handler_duration_seconds_max")) {
        assertThat(Pattern.compile("(?m)^" + name + "[{ ]").matcher(scrape).find())
            .as(name).isTrue();
      }
      assertThat(scrape).contains("channels_server_bytes_total{app=\"t\",direction=\"out\"}");
    } finally {
      prometheus.close();
    }
  }

  private ChannelServer server() {
    ChannelServer s = server;
    assertThat(s).isNotNull();
    return s;
  }
}
