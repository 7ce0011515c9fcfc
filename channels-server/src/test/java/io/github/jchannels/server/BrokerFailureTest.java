package io.github.jchannels.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.SessionEvent;
import io.github.jchannels.server.broker.Broker;
import io.github.jchannels.server.broker.BrokerException;
import io.github.jchannels.server.broker.BrokerListener;
import io.github.jchannels.server.broker.History;
import io.github.jchannels.server.broker.InMemoryBroker;
import io.github.jchannels.server.broker.Recovery;
import io.github.jchannels.server.broker.StreamPosition;
import java.net.URI;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** PROTOCOL.md section 13: a broker that cannot be reached, seen from clients and publishers. */
class BrokerFailureTest {
  private final Switch broker = new Switch(InMemoryBroker.create());
  private ChannelServer server;
  private URI uri;

  /** Delegates to a real broker, or fails every call while down. */
  static final class Switch implements Broker {
    final Broker delegate;
    volatile boolean down;

    Switch(Broker delegate) {
      this.delegate = delegate;
    }

    private <T> CompletionStage<T> call(Supplier<CompletionStage<T>> op) {
      return down ? CompletableFuture.failedFuture(new BrokerException("broker down"))
          : op.get();
    }

    @Override
    public String nodeId() {
      return delegate.nodeId();
    }

    @Override
    public void start(BrokerListener listener) {
      delegate.start(listener);
    }

    @Override
    public CompletionStage<StreamPosition> publish(String channel, String payload,
        History history) {
      return call(() -> delegate.publish(channel, payload, history));
    }

    @Override
    public CompletionStage<Void> subscribe(String channel, History history) {
      return call(() -> delegate.subscribe(channel, history));
    }

    @Override
    public CompletionStage<Void> unsubscribe(String channel) {
      return delegate.unsubscribe(channel);
    }

    @Override
    public CompletionStage<StreamPosition> position(String channel, History history) {
      return call(() -> delegate.position(channel, history));
    }

    @Override
    public CompletionStage<Recovery> recover(String channel, StreamPosition since,
        History history, int limit) {
      return call(() -> delegate.recover(channel, since, history, limit));
    }

    @Override
    public CompletionStage<Set<String>> liveNodes() {
      return call(delegate::liveNodes);
    }

    @Override
    public void close() {
      delegate.close();
    }
  }

  @BeforeEach
  void start() {
    server = ChannelServer.builder().host("127.0.0.1").port(0).broker(broker)
        .history(Channels.SESSION, History.of(10, Duration.ofMinutes(1))).build().start();
    uri = URI.create("ws://127.0.0.1:" + server.port() + "/ws");
  }

  @AfterEach
  void stop() {
    server.close();
    broker.close();
  }

  private static SessionEvent.StreamOutput out(String message) {
    return new SessionEvent.StreamOutput("f1", message, 1L);
  }

  @Test
  void broadcastOnAnUnreachableBrokerFailsToThePublisherAndReachesNoOne() {
    try (TestClient a = TestClient.connect(uri)) {
      a.join("session:f1", true);
      broker.down = true;
      assertThatThrownBy(() -> server.broadcast(Channels.session("f1"), out("lost")))
          .isInstanceOf(BrokerException.class).hasMessageContaining("broker down");
      a.assertAlive();
      broker.down = false;
      server.broadcast(Channels.session("f1"), out("after"));
      JsonNode m = a.take();
      assertThat(m.get("data").get("message").asText()).isEqualTo("after");
      assertThat(m.get("seq").asLong()).isEqualTo(1);
    }
  }

  @Test
  void subscribeOnAnUnreachableBrokerIsRefusedAndLeavesNothingBehind() {
    try (TestClient a = TestClient.connect(uri)) {
      broker.down = true;
      a.subscribe("session:f1", "s");
      JsonNode err = a.take();
      assertThat(err.get("type").asText()).isEqualTo("subscription_error");
      assertThat(err.get("data").get("error").asText()).isEqualTo("internal_error");
      assertThat(server.subscriberCount(Channels.session("f1"))).isZero();
      broker.down = false;
      JsonNode ok = subscribeSince(a, null);
      assertThat(ok.get("recoverable").asBoolean()).isTrue();
    }
  }

  @Test
  void aResubscribeTheBrokerCannotAnswerKeepsTheExistingSubscriptionDelivering() {
    try (TestClient a = TestClient.connect(uri)) {
      String epoch = subscribeSince(a, null).get("epoch").asText();
      broker.down = true;
      a.send("global", "subscribe", "{\"channel\":\"session:f1\",\"since\":{\"epoch\":\""
          + epoch + "\",\"seq\":0}}", "r");
      assertThat(a.take().get("type").asText()).isEqualTo("subscription_error");
      broker.down = false;
      server.broadcast(Channels.session("f1"), out("still"));
      assertThat(a.take().get("data").get("message").asText()).isEqualTo("still");
    }
  }

  private static JsonNode subscribeSince(TestClient c, String since) {
    c.send("global", "subscribe", "{\"channel\":\"session:f1\""
        + (since == null ? "" : ",\"since\":" + since) + "}", "s");
    JsonNode ok = c.take();
    assertThat(ok.get("type").asText()).as(ok.toString()).isEqualTo("subscription_success");
    assertThat(c.take().get("type").asText()).isEqualTo("subscribe_success");
    return ok.get("data");
  }
}
