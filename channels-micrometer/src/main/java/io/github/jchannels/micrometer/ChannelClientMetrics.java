package io.github.jchannels.micrometer;

import io.github.jchannels.client.ChannelClient;
import io.github.jchannels.client.ClientMetrics;
import io.github.jchannels.client.ConnectionState;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Publishes a {@link ChannelClient}'s state and counters to a Micrometer {@link MeterRegistry}.
 *
 * <pre>{@code
 * ChannelClient client = ChannelClient.builder(uri).build();
 * new ChannelClientMetrics(client, Tags.of("server", "chat")).bindTo(registry);
 * }</pre>
 *
 * <p>Meters (docs/metrics.md has their Prometheus names): {@code channels.client.state}, one
 * gauge per state (tag {@code state}: {@code idle}, {@code connecting}, {@code open},
 * {@code ready}, {@code reconnecting}, {@code closed}), 1 for the current state and 0 for the
 * others; the gauge {@code channels.client.queue.depth} (messages waiting in the send queue);
 * the time gauge {@code channels.client.latency} (mean ping to pong round trip of the last
 * samples); function counters {@code channels.client.reconnects},
 * {@code channels.client.messages} (tag {@code direction}), {@code channels.client.dropped},
 * {@code channels.client.invalid.frames} and {@code channels.client.handler.errors}. Every
 * meter reads the client when the registry asks, so binding starts no thread and registers no
 * listener. Thread-safe.
 */
public final class ChannelClientMetrics implements MeterBinder {
  /** The state tag values, in {@link ConnectionState}'s order. */
  static final List<String> STATES =
      List.of("idle", "connecting", "open", "ready", "reconnecting", "closed");

  private final ChannelClient client;
  private final Tags tags;

  /** A binder of {@code client} whose meters all carry {@code tags}. */
  public ChannelClientMetrics(ChannelClient client, Iterable<Tag> tags) {
    this.client = Objects.requireNonNull(client, "client");
    this.tags = Tags.of(tags);
  }

  /** A binder of {@code client} without common tags. */
  public ChannelClientMetrics(ChannelClient client) {
    this(client, Tags.empty());
  }

  /** The state tag value of {@code state}. */
  static String stateName(ConnectionState state) {
    return switch (state) {
      case ConnectionState.Idle i -> "idle";
      case ConnectionState.Connecting c -> "connecting";
      case ConnectionState.Open o -> "open";
      case ConnectionState.Ready r -> "ready";
      case ConnectionState.Reconnecting r -> "reconnecting";
      case ConnectionState.Closed c -> "closed";
    };
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    for (String state : STATES) {
      Gauge.builder("channels.client.state", client,
              c -> stateName(c.state()).equals(state) ? 1 : 0)
          .description("1 for the client's current connection state, 0 for the others")
          .tags(tags.and("state", state))
          .register(registry);
    }
    Gauge.builder("channels.client.queue.depth", client, c -> c.queuedMessages())
        .description("messages waiting in the send queue")
        .tags(tags)
        .register(registry);
    TimeGauge.builder("channels.client.latency", client, TimeUnit.MILLISECONDS,
            c -> c.metrics().snapshot().averageLatencyMillis())
        .description("mean ping to pong round trip over the last samples (0 with none)")
        .tags(tags)
        .register(registry);
    counter(registry, "channels.client.reconnects", Tags.empty(),
        "reconnection attempts started (manual ones included)", s -> s.reconnections());
    counter(registry, "channels.client.messages", Tags.of("direction", "out"),
        "frames written to the socket", s -> s.messagesSent());
    counter(registry, "channels.client.messages", Tags.of("direction", "in"),
        "frames read from the socket", s -> s.messagesReceived());
    counter(registry, "channels.client.dropped", Tags.empty(),
        "messages dropped from a full send queue", s -> s.dropped());
    counter(registry, "channels.client.invalid.frames", Tags.empty(),
        "frames that were malformed or of an unknown channel or type", s -> s.invalidFrames());
    counter(registry, "channels.client.handler.errors", Tags.empty(),
        "exceptions thrown by handlers and listeners", s -> s.handlerErrors());
  }

  private void counter(MeterRegistry registry, String name, Tags extra, String description,
      ToDoubleFunction<ClientMetrics.Snapshot> value) {
    FunctionCounter.builder(name, client, c -> value.applyAsDouble(c.metrics().snapshot()))
        .description(description)
        .tags(tags.and(extra))
        .register(registry);
  }
}
