package io.github.jchannels.examples.guide;

import io.github.jchannels.core.Channels;
import io.github.jchannels.server.Authenticator;
import io.github.jchannels.server.ChannelServer;
import io.github.jchannels.server.Presence;
import io.github.jchannels.server.broker.PresenceEntry;
import java.security.Principal;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** The guide's presence section (section 14, server part): its samples, compiled. */
final class PresenceSamples {
  private PresenceSamples() {}

  /** A stand-in for an application's user directory. */
  interface DisplayNames {
    String of(@Nullable Principal user);
  }

  static ChannelServer server(GuideSamples.Tokens tokens, DisplayNames displayNames) {
    // tag::presence-server[]
    ChannelServer server = ChannelServer.builder()
        .authenticator(Authenticator.bearer(tokens::lookup))
        .presence(Channels.SESSION, Presence.builder()
            // the initial meta of each entry, from the connection (default: {})
            .meta(info -> Map.of("name", displayNames.of(info.principal())))
            .build())
        .build().start();
    // end::presence-server[]
    return server;
  }

  static boolean aliceIsThere(ChannelServer server) {
    // tag::presence-query[]
    Map<String, List<PresenceEntry>> here = server.presence(Channels.session("abc"));
    boolean aliceIsThere = here.containsKey("alice");
    // end::presence-query[]
    return aliceIsThere;
  }
}
