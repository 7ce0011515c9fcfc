package io.github.jchannels.client.internal;

import io.github.jchannels.client.ChannelException;
import io.github.jchannels.client.MessageLog;
import io.github.jchannels.client.transport.TransportSocket;
import io.github.jchannels.core.time.Scheduler;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The send path: a frame goes to the ready connection's socket, or into the send queue while
 * not ready (dropping the oldest when full), or nowhere once closed; each move of its bytes is
 * accounted in {@link Outbound}. Confined to the loop.
 */
final class Sender {
  private static final Logger log = LoggerFactory.getLogger(Sender.class);

  private final Connector connector;
  private final Requests requests;
  private final SendQueue queue;
  private final Outbound outbound;
  private final Metrics metrics;
  private final RingMessageLog messageLog;
  private final boolean logPings;
  private final Scheduler time;

  Sender(Connector connector, Requests requests, SendQueue queue, Outbound outbound,
      Metrics metrics, RingMessageLog messageLog, boolean logPings, Scheduler time) {
    this.connector = connector;
    this.requests = requests;
    this.queue = queue;
    this.outbound = outbound;
    this.metrics = metrics;
    this.messageLog = messageLog;
    this.logPings = logPings;
    this.time = time;
  }

  /** A frame from {@code send}/{@code request} whose bytes were reserved in {@link Outbound}. */
  void sendOrQueue(Frames.Outgoing o) {
    if (connector.isShutDown() || connector.terminal()) {
      outbound.release(o.bytes());
      if (o.ref() != null) {
        requests.fail(o.ref(), ChannelException.CLIENT_CLOSED, "the client is closed");
      }
      return;
    }
    Attempt a = connector.current();
    if (a != null && a.ready() && a.socket != null) {
      transmit(a, o, Outbound.From.POSTED);
      return;
    }
    Frames.Outgoing dropped = outbound.enqueue(o);
    if (dropped != null) {
      metrics.dropped();
      log.warn("Send queue full ({}): dropped the oldest message, {} on {}", queue.capacity(),
          dropped.type(), dropped.channel());
      if (dropped.ref() != null) {
        requests.fail(dropped.ref(), ChannelException.DROPPED,
            "dropped from the full send queue");
      }
    }
  }

  /** {@code sendIfReady}: written if the connection is ready now, else dropped (never queued). */
  void sendIfReady(Frames.Outgoing o) {
    Attempt a = connector.current();
    if (!connector.isShutDown() && a != null && a.ready() && a.socket != null) {
      transmit(a, o, Outbound.From.POSTED);
    } else {
      outbound.release(o.bytes());
    }
  }

  /** Connection {@code a} became ready: the queue goes out, in order. */
  void flush(Attempt a) {
    if (queue.size() > 0) {
      log.debug("Flushing the send queue: {} messages", queue.size());
    }
    synchronized (outbound) { // the queue's bytes move to the socket's in one step
      for (Frames.Outgoing o = queue.poll(); o != null; o = queue.poll()) {
        transmit(a, o, Outbound.From.QUEUE);
      }
    }
  }

  /** A frame of the client's own (subscribe, ping ...) on a ready connection. */
  void transmit(Attempt a, Frames.Outgoing o) {
    transmit(a, o, Outbound.From.NONE);
  }

  private void transmit(Attempt a, Frames.Outgoing o, Outbound.From from) {
    TransportSocket s = a.socket;
    if (s == null) {
      if (from == Outbound.From.POSTED) {
        outbound.release(o.bytes());
      }
      return;
    }
    if (o.ref() != null) {
      requests.markSent(o.ref(), a);
    }
    if (outbound.write(s, o, from)) {
      metrics.sent();
      if (logPings || !"ping".equals(o.type())) {
        messageLog.add(new MessageLog.Entry(MessageLog.Direction.SENT, o.channel(), o.type(),
            Instant.ofEpochMilli(time.currentTimeMillis()), o.frame().text()));
      }
    }
  }
}
