package io.github.jchannels.micrometer;

import io.github.jchannels.core.Channel;
import io.github.jchannels.core.ErrorCode;
import io.github.jchannels.core.Event;
import io.github.jchannels.server.ChannelServer;
import io.github.jchannels.server.ConnectionInfo;
import io.github.jchannels.server.ServerListener;
import io.github.jchannels.server.ServerMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * Publishes a {@link ChannelServer}'s activity to a Micrometer {@link MeterRegistry}.
 *
 * <p>It is both the {@link ServerListener} that times handlers and broadcasts and counts
 * closes, and the {@link MeterBinder} whose gauges and function counters read
 * {@link ChannelServer#metrics()} when the registry asks. A listener is given to the builder,
 * so the server is named once built:
 *
 * <pre>{@code
 * ChannelServerMetrics metrics = new ChannelServerMetrics(Tags.of("app", "chat"));
 * ChannelServer server = ChannelServer.builder().listener(metrics).build();
 * metrics.monitor(server).bindTo(registry);
 * server.start();
 * }</pre>
 *
 * <p>Meters (docs/metrics.md has their Prometheus names):
 *
 * <ul>
 *   <li>gauges {@code channels.server.connections}, {@code channels.server.subscriptions},
 *       {@code channels.server.channels};</li>
 *   <li>function counters {@code channels.server.connections.accepted},
 *       {@code channels.server.messages.received}, {@code channels.server.deliveries},
 *       {@code channels.server.encoded.frames}, {@code channels.server.bytes} (tag
 *       {@code direction}), {@code channels.server.errors} (tag {@code code}, one per
 *       {@link ErrorCode}) and {@code channels.server.drops} (tag {@code reason});</li>
 *   <li>the counter {@code channels.server.closes} (tag {@code code}: every close of the
 *       channels endpoint, by either side);</li>
 *   <li>the timers {@code channels.server.handler.duration} (tags {@code family},
 *       {@code type}, {@code outcome}) and {@code channels.server.broadcast.duration} (tag
 *       {@code family}), and the summary {@code channels.server.broadcast.receivers}.</li>
 * </ul>
 *
 * <p>Tags carry family names, event type wire names and close codes, never channel names or
 * connection ids, so the number of series stays bounded: close codes 1000 to 1015 are tagged
 * as they are, the application ranges as {@code 3xxx} and {@code 4xxx}, anything else as
 * {@code other} (a peer chooses its close code). Events heard before {@link #bindTo} are not
 * counted; gauges and function counters read NaN before {@link #monitor}. Binding starts no
 * thread. Thread-safe.
 */
public final class ChannelServerMetrics implements MeterBinder, ServerListener {
  private final Tags tags;
  /** Null until {@link #monitor}. */
  private volatile @Nullable ChannelServer server;
  /** The registries bound so far; every event is recorded in each. */
  private final List<Bound> bound = new CopyOnWriteArrayList<>();

  /** A binder whose meters all carry {@code tags}. */
  public ChannelServerMetrics(Iterable<Tag> tags) {
    this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
  }

  /** A binder without common tags. */
  public ChannelServerMetrics() {
    this(Tags.empty());
  }

  /**
   * Reads the gauges and function counters from {@code server} (the one this listener was
   * given to); returns this binder.
   */
  public ChannelServerMetrics monitor(ChannelServer server) {
    this.server = Objects.requireNonNull(server, "server");
    return this;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    gauge(registry, "channels.server.connections", "connections open now",
        m -> m.openConnections());
    gauge(registry, "channels.server.subscriptions",
        "subscriptions now (connection-channel pairs)", m -> m.subscriptions());
    gauge(registry, "channels.server.channels", "channels with at least one subscriber now",
        m -> m.channels());
    counter(registry, "channels.server.connections.accepted", Tags.empty(), null,
        "connections accepted (after authentication)", m -> m.totalConnections());
    counter(registry, "channels.server.messages.received", Tags.empty(), null,
        "text messages received", m -> m.messagesIn());
    counter(registry, "channels.server.deliveries", Tags.empty(), null,
        "frames queued for sending (a broadcast to N connections counts N)",
        m -> m.messagesOut());
    counter(registry, "channels.server.encoded.frames", Tags.empty(), null,
        "events serialised (a broadcast counts once)", m -> m.encodedFrames());
    counter(registry, "channels.server.bytes", Tags.of("direction", "in"), BaseUnits.BYTES,
        "payload bytes received", m -> m.bytesIn());
    counter(registry, "channels.server.bytes", Tags.of("direction", "out"), BaseUnits.BYTES,
        "payload bytes queued for sending", m -> m.bytesOut());
    for (ErrorCode code : ErrorCode.values()) {
      String wire = code.wire();
      counter(registry, "channels.server.errors", Tags.of("code", wire), null,
          "protocol errors sent, by error code", m -> m.errorsByCode().getOrDefault(wire, 0L));
    }
    drops(registry, "slow_consumer", m -> m.slowConsumerCloses());
    drops(registry, "rate_limit", m -> m.rateLimitCloses());
    drops(registry, "handshake_timeout", m -> m.handshakeTimeouts());
    drops(registry, "handshake_rejected", m -> m.rejectedHandshakes());
    bound.add(new Bound(registry));
  }

  private void drops(MeterRegistry registry, String reason,
      ToDoubleFunction<ServerMetrics> value) {
    counter(registry, "channels.server.drops", Tags.of("reason", reason), null,
        "connections dropped by the server, by reason", value);
  }

  private void gauge(MeterRegistry registry, String name, String description,
      ToDoubleFunction<ServerMetrics> value) {
    Gauge.builder(name, this, b -> b.read(value))
        .description(description)
        .tags(tags)
        .register(registry);
  }

  private void counter(MeterRegistry registry, String name, Tags extra, @Nullable String unit,
      String description, ToDoubleFunction<ServerMetrics> value) {
    FunctionCounter.builder(name, this, b -> b.read(value))
        .description(description)
        .baseUnit(unit)
        .tags(tags.and(extra))
        .register(registry);
  }

  private double read(ToDoubleFunction<ServerMetrics> value) {
    ChannelServer s = server;
    return s == null ? Double.NaN : value.applyAsDouble(s.metrics());
  }

  /** The {@code code} tag of a close code: bounded, whatever the peer sends. */
  static String codeTag(int code) {
    if (code >= 1000 && code <= 1015) {
      return Integer.toString(code);
    }
    if (code >= 3000 && code <= 3999) {
      return "3xxx";
    }
    if (code >= 4000 && code <= 4999) {
      return "4xxx";
    }
    return "other";
  }

  // ------------------------------------------------------------- ServerListener

  @Override
  public void onDisconnect(ConnectionInfo connection, int code, String reason) {
    String tag = codeTag(code);
    for (Bound b : bound) {
      b.closes.computeIfAbsent(tag, t -> Counter.builder("channels.server.closes")
          .description("connections of the channels endpoint closed, by close code")
          .tags(tags.and("code", t))
          .register(b.registry)).increment();
    }
  }

  @Override
  public void onHandled(Channel<?> channel, Event event, long nanos, boolean failed) {
    String family = channel.family().name();
    String type = channel.family().type(event.getClass()).map(t -> t.wireName())
        .orElse("unknown");
    String outcome = failed ? "failure" : "success";
    String key = family + '\n' + type + '\n' + outcome;
    for (Bound b : bound) {
      b.handlers.computeIfAbsent(key, k -> Timer.builder("channels.server.handler.duration")
          .description("time an event handler ran, by family, event type and outcome")
          .tags(tags.and("family", family, "type", type, "outcome", outcome))
          .register(b.registry)).record(nanos, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void onBroadcast(Channel<?> channel, Event event, int receivers, long nanos) {
    String family = channel.family().name();
    for (Bound b : bound) {
      b.broadcasts.computeIfAbsent(family, f -> new BroadcastMeters(
          Timer.builder("channels.server.broadcast.duration")
              .description("time a broadcast took to reach every local subscriber's queue")
              .tags(tags.and("family", f))
              .register(b.registry),
          DistributionSummary.builder("channels.server.broadcast.receivers")
              .description("local connections a broadcast was handed to")
              .tags(tags.and("family", f))
              .register(b.registry))).record(receivers, nanos);
    }
  }

  /** The meters of one bound registry registered on first use, cached (hot path). */
  private static final class Bound {
    final MeterRegistry registry;
    final Map<String, Counter> closes = new ConcurrentHashMap<>();
    final Map<String, Timer> handlers = new ConcurrentHashMap<>();
    final Map<String, BroadcastMeters> broadcasts = new ConcurrentHashMap<>();

    Bound(MeterRegistry registry) {
      this.registry = registry;
    }
  }

  /** The two meters of one family's broadcasts. */
  private record BroadcastMeters(Timer duration, DistributionSummary receivers) {
    void record(int count, long nanos) {
      duration.record(nanos, TimeUnit.NANOSECONDS);
      receivers.record(count);
    }
  }
}
