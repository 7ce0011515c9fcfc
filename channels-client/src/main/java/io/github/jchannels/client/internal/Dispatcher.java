package io.github.jchannels.client.internal;

import io.github.jchannels.client.ClientError;
import io.github.jchannels.client.MessageLog;
import io.github.jchannels.core.Codec;
import io.github.jchannels.core.Decoded;
import io.github.jchannels.core.ErrorCode;
import io.github.jchannels.core.EventBus;
import io.github.jchannels.core.GlobalEvent;
import io.github.jchannels.core.time.Scheduler;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Inbound dispatch: decodes each frame on the loop and routes it: {@code connected} and
 * {@code pong} to the connection, replies to {@link Requests}, join answers to {@link Joins},
 * channel events to the handlers on the callback thread. Every frame is released from the
 * {@link Inbound} bound once handled. Confined to the loop.
 */
final class Dispatcher {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  private final Connector connector;
  private final Joins joins;
  private final Requests requests;
  private final EventBus bus;
  private final Codec codec;
  private final Callbacks callbacks;
  private final Inbound inbound;
  private final Metrics metrics;
  private final RingMessageLog messageLog;
  private final Listeners listeners;
  private final boolean logPings;
  private final Scheduler time;
  private final PresenceTracker presence;

  Dispatcher(Connector connector, Joins joins, Requests requests, EventBus bus, Codec codec,
      Callbacks callbacks, Inbound inbound, Metrics metrics, RingMessageLog messageLog,
      Listeners listeners, boolean logPings, Scheduler time, PresenceTracker presence) {
    this.connector = connector;
    this.joins = joins;
    this.requests = requests;
    this.bus = bus;
    this.codec = codec;
    this.callbacks = callbacks;
    this.inbound = inbound;
    this.metrics = metrics;
    this.messageLog = messageLog;
    this.listeners = listeners;
    this.logPings = logPings;
    this.time = time;
    this.presence = presence;
  }

  /** A text frame of {@code size} bytes from attempt {@code a}. */
  void text(Attempt a, String text, long size) {
    boolean handedOver = false;
    try {
      boolean current = a == connector.current();
      metrics.received();
      Decoded d = codec.decode(text);
      if (!current) {
        // a connection given up on (timeout, overflow): its late events were received and
        // still reach the handlers, in order; nothing else of it matters any more
        if (d instanceof Decoded.Message m && admitted(a, m)) {
          handedOver = true;
          emit(m, size);
        }
        return;
      }
      PresenceFrames.Read presenceFrame =
          d instanceof Decoded.Failure f ? presence.offer(f, text) : null;
      String type = presenceFrame != null ? PresenceFrames.typeOf(presenceFrame)
          : Frames.typeOf(d);
      if (logPings || !"pong".equals(type)) {
        messageLog.add(new MessageLog.Entry(MessageLog.Direction.RECEIVED, Frames.channelOf(d),
            type, Instant.ofEpochMilli(time.currentTimeMillis()), text));
      }
      if (presenceFrame != null) {
        return; // handed to the presence views (or reported as malformed)
      }
      switch (d) {
        case Decoded.Failure f -> invalidFrame(f, text);
        case Decoded.Control c -> control(a, c.event(), c.ref());
        case Decoded.ReplyMessage r -> {
          if (!requests.reply(r.ref(), r.reply()) && !joins.reply(r.ref(), r.reply())) {
            log.debug("Reply to an unknown or expired request {}", r.ref());
          }
        }
        case Decoded.Message m -> {
          joins.message(m.channel());
          if (admitted(a, m)) {
            handedOver = true;
            emit(m, size);
          }
        }
      }
    } finally {
      if (!handedOver) {
        inbound.handled(size);
      }
    }
  }

  /** Recovery: an event with a stream position is delivered once, and never after a gap. */
  private boolean admitted(Attempt a, Decoded.Message m) {
    GlobalEvent.Since at = m.position();
    return at == null || joins.admit(a, m.channel(), at);
  }

  private void emit(Decoded.Message m, long size) {
    callbacks.run(() -> {
      try {
        bus.emit(m.channel(), m.event());
      } finally {
        inbound.handled(size);
      }
    });
  }

  void binary(Attempt a, int length) {
    if (a == connector.current()) {
      metrics.received();
      invalidFrame(new Decoded.Failure(ErrorCode.INVALID_MESSAGE,
          "binary frame of " + length + " bytes", null, null), "<binary>");
    }
  }

  private void invalidFrame(Decoded.Failure f, String text) {
    metrics.invalidFrame();
    log.warn("Ignored an invalid frame from the server ({}: {}): {}", f.code().wire(),
        f.message(), text.length() > 200 ? text.substring(0, 200) + "…" : text);
    listeners.error(new ClientError(ClientError.INVALID_FRAME, f.code().wire() + ": "
        + f.message(), f.channel(), f.ref()));
  }

  private void control(Attempt a, GlobalEvent event, @Nullable String ref) {
    switch (event) {
      case GlobalEvent.Connected c -> connector.ready(a, c);
      case GlobalEvent.Pong p -> {
        if (a.heartbeat != null) {
          a.heartbeat.pong(p.timestamp());
        }
      }
      case GlobalEvent.SubscriptionSuccess ok -> joins.subscribed(ok, ref);
      case GlobalEvent.SubscriptionError err -> {
        log.warn("Subscription to {} failed: {} {}", err.channel(), err.error(), err.message());
        joins.refused(err.channel(), ref, err.error(), err.message());
        listeners.error(new ClientError(err.error(), err.message(), err.channel(), ref));
      }
      case GlobalEvent.Unsubscribed u -> {
        joins.unsubscribed(u.channel(), ref);
        presence.unsubscribed(u.channel());
      }
      case GlobalEvent.ProtocolError err -> {
        connector.lastError(a, err.error());
        if (!requests.error(ref, err.error(), err.message())) {
          joins.error(ref, err.error(), err.message());
          log.warn("Server error: {} {}{}", err.error(), err.message(),
              err.channel() == null ? "" : " on " + err.channel());
          listeners.error(new ClientError(err.error(), err.message(), err.channel(), ref));
        }
      }
      // client→server types; a client codec never yields them
      case GlobalEvent.Subscribe x -> log.warn("Unexpected from the server: {}", x);
      case GlobalEvent.Unsubscribe x -> log.warn("Unexpected from the server: {}", x);
      case GlobalEvent.Ping x -> log.warn("Unexpected from the server: {}", x);
    }
  }
}
