package io.github.jchannels.examples.boot;

import io.github.jchannels.core.Channels;
import io.github.jchannels.core.SessionEvent;
import io.github.jchannels.server.Publisher;
import java.time.Clock;
import org.springframework.stereotype.Service;

/**
 * Broadcasts to a room: the application's own announcements (the REST API calls it), each a
 * {@code stream_output} event to every member of the room. The event is serialised once,
 * whatever the number of members.
 */
@Service
public class Announcer {
  private final Publisher channels;
  private final Clock clock;

  /** {@code channels} is the channel server bean (a {@link Publisher}). */
  public Announcer(Publisher channels, Clock clock) {
    this.channels = channels;
    this.clock = clock;
  }

  /** Sends {@code text} to everyone in {@code room}; returns how many connections got it. */
  public int announce(String room, String text) {
    return channels.broadcast(Channels.session(room),
        new SessionEvent.StreamOutput(room, text, clock.millis()));
  }
}
