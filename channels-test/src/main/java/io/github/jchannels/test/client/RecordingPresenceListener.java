package io.github.jchannels.test.client;

import io.github.jchannels.client.PresenceEntry;
import io.github.jchannels.client.PresenceListener;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Records what a {@link io.github.jchannels.client.ChannelPresence} reports, as short lines
 * that read well in assertions: {@code "join alice +c1"}, {@code "leave alice -c1"} (the
 * connection ids that joined or left) and {@code "sync alice=[c1] bob=[c2,c3]"} (the whole
 * view after each frame).
 */
public final class RecordingPresenceListener extends Recorder<String>
    implements PresenceListener {

  public RecordingPresenceListener() {
    super("presence change");
  }

  @Override
  public void onJoin(String key, List<PresenceEntry> before, List<PresenceEntry> joined) {
    accept("join " + key + " +" + ids(joined));
  }

  @Override
  public void onLeave(String key, List<PresenceEntry> remaining, List<PresenceEntry> left) {
    accept("leave " + key + " -" + ids(left));
  }

  @Override
  public void onSync(Map<String, List<PresenceEntry>> entries) {
    accept(sync(entries));
  }

  /** The next {@code sync} line, skipping joins and leaves, within {@code timeout}. */
  public String takeSync(Duration timeout) throws InterruptedException {
    return take(line -> line.startsWith("sync"), timeout);
  }

  /** The line {@link #onSync} records for {@code entries}. */
  public static String sync(Map<String, List<PresenceEntry>> entries) {
    return ("sync " + entries.entrySet().stream()
        .map(e -> e.getKey() + "=[" + ids(e.getValue()) + "]")
        .collect(Collectors.joining(" "))).trim();
  }

  private static String ids(List<PresenceEntry> entries) {
    return entries.stream().map(PresenceEntry::connId).collect(Collectors.joining(","));
  }
}
