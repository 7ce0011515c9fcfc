package io.github.jchannels.client.internal;

import io.github.jchannels.client.transport.TransportSocket;
import io.github.jchannels.core.time.Cancellable;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Everything that belongs to one connection attempt, from getting the token to the socket's
 * end. A new attempt gets a new object; nothing of it is reset by hand, and callbacks that
 * carry an attempt other than the current one are ignored. Confined to the loop.
 */
final class Attempt {
  enum Phase { TOKEN, CONNECTING, OPEN, READY, ENDED }

  /** Reconnection attempt number shown in {@code Connecting} (0 for a first or manual one). */
  final int number;
  Phase phase = Phase.TOKEN;
  /** Null until the token is there and the transport was asked to connect. */
  @Nullable TransportSocket socket;
  /** The code of the last {@code global} {@code error} on this connection (tells 1008 apart). */
  @Nullable String lastErrorCode;
  /** Armed at the start: token, socket open and {@code connected} must fit in it. */
  Cancellable connectTimeout = Cancellable.NONE;
  /** Armed when ready: resets the attempt count if the connection stays ready long enough. */
  Cancellable stable = Cancellable.NONE;
  /** Null until ready. */
  @Nullable Heartbeat heartbeat;
  /** The server-side state of each channel's join on this connection, by channel name. */
  final Map<String, Joins.Wire> wires = new LinkedHashMap<>();

  Attempt(int number) {
    this.number = number;
  }

  boolean ready() {
    return phase == Phase.READY;
  }

  /** Stops every timer of this attempt; it is over. */
  void end() {
    phase = Phase.ENDED;
    connectTimeout.cancel();
    stable.cancel();
    if (heartbeat != null) {
      heartbeat.stop();
    }
    for (Joins.Wire w : wires.values()) {
      w.cancelTimers();
    }
  }
}
