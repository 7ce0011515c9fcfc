package io.github.jchannels.examples.guide;

import io.github.jchannels.client.ChannelClient;
import io.github.jchannels.client.ChannelPresence;
import io.github.jchannels.client.PresenceEntry;
import io.github.jchannels.client.PresenceListener;
import io.github.jchannels.core.Channels;
import java.util.List;
import java.util.Map;

/**
 * The client side of the guide's presence section (section 14), compiled by the build and
 * checked against the guide by {@code GuideSnippetsTest}, like {@link GuideSamples}.
 */
@SuppressWarnings({"unused", "UnusedVariable"})
public final class PresenceClientSamples {
  private PresenceClientSamples() {}

  // a false positive: the update's failure is handled by exceptionally(), so the future that
  // returns cannot fail and is not kept
  @SuppressWarnings("FutureReturnValueIgnored")
  static void client(ChannelClient client, GuideSamples.Ui ui) {
    // tag::presence[]
    ChannelPresence who = client.presence(Channels.session("abc123"));  // the same view every call
    who.addListener(new PresenceListener() {
      @Override
      public void onJoin(String key, List<PresenceEntry> before, List<PresenceEntry> joined) {
        if (before.isEmpty()) {
          ui.banner(key + " joined");                      // the key's first connection
        }
      }

      @Override
      public void onLeave(String key, List<PresenceEntry> remaining, List<PresenceEntry> left) {
        if (remaining.isEmpty()) {
          ui.banner(key + " left");                        // its last connection went
        }
      }
    });
    client.subscribe(Channels.session("abc123"), event -> { });   // presence needs the channel
    who.updateMeta(Map.of("typing", true))                 // presence_update, answered by a reply
        .exceptionally(failure -> null);                   // invalid_data: over the server's limit
    // end::presence[]
  }
}
