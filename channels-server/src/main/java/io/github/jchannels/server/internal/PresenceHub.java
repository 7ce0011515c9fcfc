package io.github.jchannels.server.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Family;
import io.github.jchannels.core.Frame;
import io.github.jchannels.core.time.Cancellable;
import io.github.jchannels.core.time.Scheduler;
import io.github.jchannels.core.transport.Connection;
import io.github.jchannels.server.ConnectionInfo;
import io.github.jchannels.server.Presence;
import io.github.jchannels.server.broker.Broker;
import io.github.jchannels.server.broker.BrokerException;
import io.github.jchannels.server.broker.PresenceDiff;
import io.github.jchannels.server.broker.PresenceEntry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Objects;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Presence on this node (PROTOCOL.md section 12): the entries of the local subscribers of every
 * channel whose family has presence, kept in the {@link Broker} (so that every node sees them),
 * and the {@code presence_state} / {@code presence_diff} frames sent to local subscribers.
 *
 * <p>Changes delivered by the broker ({@link #onPresence}) are merged per channel over the
 * family's window and sent as one diff per window, encoded once for every local subscriber.
 * A connection that is joining gets no diff before its {@code presence_state}: diffs are held
 * for it until the state is sent ({@link Prepared#finish()}), then sent in order. Clients apply
 * a diff's leaves then its joins by connId, so a diff that repeats what the state already holds
 * is harmless.
 *
 * <p>Thread-safe.
 */
public final class PresenceHub {
  private static final Logger log = LoggerFactory.getLogger(PresenceHub.class);
  /** Reserved type names in a family with presence. */
  public static final List<String> RESERVED =
      List.of("presence_state", "presence_diff", "presence_update");
  /** Most diffs held for one joining connection before the oldest is dropped. */
  static final int MAX_HELD = 10_000;
  /** Room left in a frame for the envelope around the entries. */
  private static final int ENVELOPE_ROOM = 600;

  private final Map<Family<?>, Presence> configs;
  private final Broker broker;
  private final Scheduler scheduler;
  private final Duration timeout;
  private final int maxFrameSize;
  private final ObjectMapper json = JsonMapper.builder()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();
  private final ConcurrentHashMap<String, Local> channels = new ConcurrentHashMap<>();
  private final AtomicLong framesEncoded = new AtomicLong();
  private volatile boolean closed;

  /** One local subscriber's entry and whether it got its {@code presence_state}. */
  private static final class Member {
    PresenceEntry entry;
    boolean ready;
    final ArrayDeque<Frame> held = new ArrayDeque<>();

    Member(PresenceEntry entry) {
      this.entry = entry;
    }
  }

  /** A channel's local members and pending diff. Guarded by itself. */
  private final class Local {
    final String channel;
    final Presence config;
    final LinkedHashMap<Connection, Member> members = new LinkedHashMap<>();
    final LinkedHashMap<String, PresenceEntry> joins = new LinkedHashMap<>();
    final LinkedHashMap<String, PresenceEntry> leaves = new LinkedHashMap<>();
    Cancellable flush = Cancellable.NONE;
    boolean scheduled;

    Local(String channel, Presence config) {
      this.channel = channel;
      this.config = config;
    }

    /** Guarded by this. */
    void merge(PresenceDiff diff) {
      for (PresenceEntry e : diff.leaves()) {
        joins.remove(e.connId());
        leaves.putIfAbsent(e.connId(), e);
      }
      for (PresenceEntry e : diff.joins()) {
        joins.put(e.connId(), e);
      }
    }

    void flushNow() {
      synchronized (this) {
        scheduled = false;
        flush = Cancellable.NONE;
        if (joins.isEmpty() && leaves.isEmpty()) {
          return;
        }
        List<Frame> frames = diffFrames(channel, List.copyOf(joins.values()),
            List.copyOf(leaves.values()));
        joins.clear();
        leaves.clear();
        for (Map.Entry<Connection, Member> m : members.entrySet()) {
          Member member = m.getValue();
          for (Frame f : frames) {
            if (member.ready) {
              send(m.getKey(), f);
            } else {
              if (member.held.size() >= MAX_HELD) {
                member.held.removeFirst();
              }
              member.held.addLast(f);
            }
          }
        }
      }
    }
  }

  /**
   * What a joining connection is sent after its welcome: {@code frames} (the
   * {@code presence_state}, and joins that did not fit its frame), then {@code finish} releases
   * the diffs held meanwhile.
   */
  public record Prepared(List<Frame> frames, Runnable finish) {
    /** Nothing to send. */
    static final Prepared NONE = new Prepared(List.of(), () -> {});
  }

  /** A {@code presence_update} read from a client frame. */
  public record Update(String channel, @Nullable String ref, @Nullable String meta,
      @Nullable String problem) {}

  /** Presence for the families of {@code configs}, kept in {@code broker}. */
  public PresenceHub(Map<Family<?>, Presence> configs, Broker broker, Scheduler scheduler,
      Duration timeout, int maxFrameSize) {
    this.configs = Map.copyOf(configs);
    this.broker = Objects.requireNonNull(broker, "broker");
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    this.timeout = timeout;
    this.maxFrameSize = maxFrameSize;
  }

  /** Whether {@code family} has presence. */
  public boolean enabled(Family<?> family) {
    return configs.containsKey(family);
  }

  /** How many presence frames this node encoded (each sent to any number of connections). */
  public long framesEncoded() {
    return framesEncoded.get();
  }

  // ------------------------------------------------------------------ joining and leaving

  /**
   * Tracks {@code connection} on {@code channel} (once; a repeated subscribe keeps its entry),
   * and reads the channel's entries for its {@code presence_state}. Diffs for it are held until
   * {@link Prepared#finish()}. Never throws: when the broker fails, the state holds this node's
   * entries only (logged).
   */
  public Prepared join(Connection connection, Channel<?> channel, ConnectionInfo info) {
    Presence config = configs.get(channel.family());
    if (config == null || closed) {
      return Prepared.NONE;
    }
    String name = channel.name();
    PresenceEntry candidate = entryFor(connection, info, config);
    Member[] joined = {null};
    boolean[] fresh = {false};
    Local local = channels.compute(name, (k, v) -> {
      Local l = v != null ? v : new Local(name, config);
      synchronized (l) {
        Member m = l.members.get(connection);
        if (m == null) {
          m = new Member(candidate);
          l.members.put(connection, m);
          fresh[0] = true;
        }
        m.ready = false;
        joined[0] = m;
      }
      return l;
    });
    Member member = joined[0];
    PresenceEntry entry;
    synchronized (local) {
      entry = member.entry;
    }
    if (fresh[0]) {
      try {
        await(broker.updatePresence(name, PresenceDiff.join(entry)), "presence join");
      } catch (BrokerException e) {
        log.warn("Presence join of {} on {} failed: {}", connection.id(), name, e.getMessage());
      }
    }
    List<PresenceEntry> entries;
    try {
      entries = await(broker.presence(name), "presence read");
    } catch (BrokerException e) {
      log.warn("Presence read of {} failed: {}; sending this node's entries only", name,
          e.getMessage());
      synchronized (local) {
        entries = local.members.values().stream().map(m -> m.entry).toList();
      }
    }
    List<Frame> frames = stateFrames(name, entries);
    Runnable finish = () -> {
      synchronized (local) {
        Frame f;
        while ((f = member.held.pollFirst()) != null) {
          send(connection, f);
        }
        member.ready = true;
      }
    };
    return new Prepared(frames, finish);
  }

  /** Removes {@code connection}'s entry on {@code channel}, if it has one. Never throws. */
  public void leave(Connection connection, String channel) {
    PresenceEntry[] gone = {null};
    channels.computeIfPresent(channel, (k, l) -> {
      synchronized (l) {
        Member m = l.members.remove(connection);
        if (m != null) {
          gone[0] = m.entry;
        }
        if (l.members.isEmpty()) {
          l.flush.cancel();
          l.scheduled = false;
          l.joins.clear();
          l.leaves.clear();
          return null;
        }
      }
      return l;
    });
    if (gone[0] != null && !closed) {
      try {
        await(broker.updatePresence(channel, PresenceDiff.leave(gone[0])), "presence leave");
      } catch (BrokerException e) {
        log.warn("Presence leave of {} on {} failed: {}", connection.id(), channel,
            e.getMessage());
      }
    }
  }

  private PresenceEntry entryFor(Connection connection, ConnectionInfo info, Presence config) {
    String key;
    try {
      key = Objects.requireNonNull(config.key().apply(info), "presence key");
    } catch (RuntimeException e) {
      log.warn("Presence key function failed for {}; using the connection id", info.id(), e);
      key = info.id();
    }
    String meta = "{}";
    try {
      Map<String, ?> m = config.meta().apply(info);
      if (m != null) {
        String text = json.writeValueAsString(m);
        if (utf8Length(text) > config.maxMetaBytes()) {
          log.warn("Presence meta hook gave {} a meta over {} bytes; starting with {{}}",
              info.id(), config.maxMetaBytes());
        } else {
          meta = text;
        }
      }
    } catch (Exception e) {
      log.warn("Presence meta hook failed for {}; starting with {{}}", info.id(), e);
    }
    return new PresenceEntry(key, connection.id(), scheduler.currentTimeMillis(), meta);
  }

  // ------------------------------------------------------------------ updates

  /**
   * Reads a client frame that the codec refused as an unknown type: if it is a
   * {@code presence_update} on a channel of a family with presence, returns it (with the
   * problem of its {@code data}, if any); otherwise null.
   */
  public @Nullable Update readUpdate(Family<?> family, String text) {
    if (!enabled(family) || !text.contains("presence_update")) {
      return null;
    }
    JsonNode root;
    try {
      root = json.readTree(text);
    } catch (Exception e) {
      return null;
    }
    if (root == null || !"presence_update".equals(root.path("type").asText(null))) {
      return null;
    }
    String channel = root.path("channel").asText("");
    JsonNode refNode = root.get("ref");
    String ref = refNode != null && refNode.isTextual() ? refNode.asText() : null;
    JsonNode data = root.get("data");
    if (data == null || !data.isObject()) {
      return new Update(channel, ref, null, "'data' of 'presence_update' must be an object");
    }
    JsonNode meta = data.get("meta");
    if (meta == null || !meta.isObject()) {
      return new Update(channel, ref, null,
          "'data.meta' of 'presence_update' must be a JSON object");
    }
    String compact;
    try {
      compact = json.writeValueAsString(meta);
    } catch (Exception e) {
      return new Update(channel, ref, null, "'data.meta' of 'presence_update' is unreadable");
    }
    int max = Objects.requireNonNull(configs.get(family), "presence of the family").maxMetaBytes();
    int size = utf8Length(compact);
    if (size > max) {
      return new Update(channel, ref, null, "'data.meta' of 'presence_update' is " + size
          + " bytes of JSON, over the limit of " + max);
    }
    return new Update(channel, ref, compact, null);
  }

  /**
   * Replaces the {@code meta} of {@code connection}'s entry on {@code channel} (a leave and a
   * join in one diff).
   *
   * @return false if the connection has no entry there
   * @throws BrokerException if the broker failed
   */
  public boolean update(Connection connection, String channel, String meta) {
    PresenceEntry[] change = new PresenceEntry[2];
    Local l = channels.get(channel);
    if (l == null) {
      return false;
    }
    synchronized (l) {
      Member m = l.members.get(connection);
      if (m == null) {
        return false;
      }
      change[0] = m.entry;
      m.entry = m.entry.withMeta(meta);
      change[1] = m.entry;
    }
    await(broker.updatePresence(channel, PresenceDiff.update(change[0], change[1])),
        "presence update");
    return true;
  }

  // ------------------------------------------------------------------ diffs

  /** A change delivered by the broker: merged into the channel's pending diff. */
  public void onPresence(String channel, PresenceDiff diff) {
    Local l = channels.get(channel);
    if (l == null || closed) {
      return;
    }
    boolean now;
    synchronized (l) {
      l.merge(diff);
      now = l.config.window().isZero();
      if (!now && !l.scheduled) {
        l.scheduled = true;
        l.flush = scheduler.schedule(l.config.window(), l::flushNow);
      }
    }
    if (now) {
      l.flushNow();
    }
  }

  /** The entries of {@code channel} on every node, by key. */
  public Map<String, List<PresenceEntry>> entries(Channel<?> channel) {
    if (!enabled(channel.family())) {
      throw new IllegalArgumentException("Family '" + channel.family().name()
          + "' has no presence (ChannelServer.Builder.presence)");
    }
    Map<String, List<PresenceEntry>> out = new LinkedHashMap<>();
    for (PresenceEntry e : await(broker.presence(channel.name()), "presence read")) {
      out.computeIfAbsent(e.key(), k -> new ArrayList<>()).add(e);
    }
    Map<String, List<PresenceEntry>> copy = new LinkedHashMap<>();
    out.forEach((k, v) -> copy.put(k, List.copyOf(v)));
    return Collections.unmodifiableMap(copy);
  }

  /** Stops every pending flush. */
  public void close() {
    closed = true;
    for (Local l : channels.values()) {
      synchronized (l) {
        l.flush.cancel();
      }
    }
    channels.clear();
  }

  // ------------------------------------------------------------------ frames

  private List<Frame> stateFrames(String channel, List<PresenceEntry> entries) {
    List<Frame> out = new ArrayList<>();
    List<List<PresenceEntry>> chunks = chunks(entries);
    out.add(frame(channel, "presence_state", "entries", chunks.isEmpty() ? List.of()
        : chunks.get(0), null, null));
    for (int i = 1; i < chunks.size(); i++) {
      out.add(frame(channel, "presence_diff", "joins", chunks.get(i), "leaves", List.of()));
    }
    return out;
  }

  private List<Frame> diffFrames(String channel, List<PresenceEntry> joins,
      List<PresenceEntry> leaves) {
    List<List<PresenceEntry>> l = chunks(leaves);
    List<List<PresenceEntry>> j = chunks(joins);
    if (l.size() <= 1 && j.size() <= 1) {
      return List.of(frame(channel, "presence_diff", "joins", j.isEmpty() ? List.of() : j.get(0),
          "leaves", l.isEmpty() ? List.of() : l.get(0)));
    }
    List<Frame> out = new ArrayList<>();
    for (List<PresenceEntry> c : l) {
      out.add(frame(channel, "presence_diff", "joins", List.of(), "leaves", c));
    }
    for (List<PresenceEntry> c : j) {
      out.add(frame(channel, "presence_diff", "joins", c, "leaves", List.of()));
    }
    return out;
  }

  /** Splits entries so that each part's frame stays within the frame limit. */
  private List<List<PresenceEntry>> chunks(List<PresenceEntry> entries) {
    List<List<PresenceEntry>> out = new ArrayList<>();
    int budget = Math.max(1, maxFrameSize - ENVELOPE_ROOM);
    List<PresenceEntry> current = new ArrayList<>();
    int size = 0;
    for (PresenceEntry e : entries) {
      int s = utf8Length(e.key()) * 2 + utf8Length(e.meta()) + utf8Length(e.connId()) + 60;
      if (!current.isEmpty() && size + s > budget) {
        out.add(current);
        current = new ArrayList<>();
        size = 0;
      }
      current.add(e);
      size += s;
    }
    if (!current.isEmpty()) {
      out.add(current);
    }
    return out;
  }

  private Frame frame(String channel, String type, String first, List<PresenceEntry> a,
      @Nullable String second, @Nullable List<PresenceEntry> b) {
    StringBuilder s = new StringBuilder(256);
    s.append("{\"channel\":");
    quote(channel, s);
    s.append(",\"type\":\"").append(type).append("\",\"data\":{\"").append(first).append("\":");
    byKey(a, s);
    if (second != null && b != null) {
      s.append(",\"").append(second).append("\":");
      byKey(b, s);
    }
    s.append("}}");
    framesEncoded.incrementAndGet();
    return new Frame(s.toString());
  }

  private static void byKey(List<PresenceEntry> entries, StringBuilder s) {
    LinkedHashMap<String, List<PresenceEntry>> grouped = new LinkedHashMap<>();
    for (PresenceEntry e : entries) {
      grouped.computeIfAbsent(e.key(), k -> new ArrayList<>()).add(e);
    }
    s.append('{');
    boolean firstKey = true;
    for (Map.Entry<String, List<PresenceEntry>> g : grouped.entrySet()) {
      if (!firstKey) {
        s.append(',');
      }
      firstKey = false;
      quote(g.getKey(), s);
      s.append(":[");
      boolean firstEntry = true;
      for (PresenceEntry e : g.getValue()) {
        if (!firstEntry) {
          s.append(',');
        }
        firstEntry = false;
        s.append("{\"connId\":");
        quote(e.connId(), s);
        s.append(",\"joinedAt\":").append(e.joinedAt()).append(",\"meta\":").append(e.meta())
            .append('}');
      }
      s.append(']');
    }
    s.append('}');
  }

  private static void quote(String text, StringBuilder s) {
    s.append('"');
    JsonStringEncoder.getInstance().quoteAsString(text, s);
    s.append('"');
  }

  private static int utf8Length(String s) {
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n++;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c)) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }

  private static void send(Connection c, Frame frame) {
    try {
      c.send(frame);
    } catch (RuntimeException e) {
      log.debug("Presence frame to {} failed", c.id(), e);
    }
  }

  private <T> T await(CompletionStage<T> stage, String what) {
    try {
      return stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      if (cause instanceof BrokerException be) {
        throw be;
      }
      throw new BrokerException("broker " + what + " failed: " + cause.getMessage(), cause);
    } catch (TimeoutException e) {
      throw new BrokerException("broker " + what + " did not answer within " + timeout, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BrokerException("interrupted while waiting for the broker", e);
    }
  }
}
