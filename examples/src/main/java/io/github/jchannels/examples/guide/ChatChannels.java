package io.github.jchannels.examples.guide;

import io.github.jchannels.core.Channels;
import io.github.jchannels.core.Reply;
import io.github.jchannels.core.SessionEvent;
import io.github.jchannels.server.Authenticator;
import io.github.jchannels.server.ChannelServer;

/** The guide's testing section (section 11): an application's channels in one place. */
final class ChatChannels {
  private ChatChannels() {}

  // tag::app[]
  /**
   * The application's channels in one place: production adds a port and starts the server,
   * tests give the same builder to the test kit's in-memory server.
   */
  static ChannelServer.Builder builder(GuideSamples.Tokens tokens,
      GuideSamples.Sessions sessions) {
    return ChannelServer.builder()
        .authenticator(Authenticator.bearer(tokens::lookup))
        .authorize(Channels.SESSION, (channel, connection) ->
            sessions.canRead(connection.principal(), channel.id().orElseThrow()))
        .handle(Channels.SESSION, SessionEvent.SendMessage.class, request -> {
          String sessionId = request.channel().id().orElseThrow();
          request.reply(Reply.ok(null));
          request.publisher().broadcast(request.channel(), new SessionEvent.StreamOutput(
              sessionId, "echo: " + request.event().message(), System.currentTimeMillis()));
        });
  }

  // in production: ChatChannels.builder(tokens, sessions).port(8081).build().start();
  // end::app[]
}
