package io.github.jchannels.examples.boot;

import io.github.jchannels.core.Channels;
import io.github.jchannels.core.SessionEvent;
import io.github.jchannels.jakarta.JakartaTransport;
import io.github.jchannels.server.Authenticator;
import io.github.jchannels.server.ChannelServer;
import io.github.jchannels.server.Request;
import java.security.Principal;
import java.time.Clock;
import org.springframework.boot.web.servlet.ServletContextInitializer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The channels endpoint in the application's own embedded server: the Jakarta transport, the
 * server on it (authenticated by the application's accounts, authorised by its rooms) and the
 * transport's filter, mounted while the embedded Tomcat's servlet context initialises.
 * {@code /ws} then shares the port of the REST API.
 */
@Configuration(proxyBeanMethods = false)
public class ChannelsConfig {

  /** The transport: a servlet filter in front of {@code /ws}. */
  @Bean
  public JakartaTransport channelsTransport() {
    return JakartaTransport.create();
  }

  /**
   * Mounts the transport's filter. Boot calls it while it creates the embedded server, before
   * the application's other beans exist and before the connector accepts anything.
   */
  @Bean
  public ServletContextInitializer channelsEndpoint(JakartaTransport transport) {
    return transport::mount;
  }

  /**
   * The channel server, started while the application context is created (the embedded
   * server's connector accepts only afterwards). Closed by {@link #channelsShutdown} when the
   * context stops, and by its destroy method as a backstop (close is idempotent).
   */
  @Bean(destroyMethod = "close")
  public ChannelServer channelServer(JakartaTransport transport, Accounts accounts, Rooms rooms) {
    // A program sends its API token (Authorization: Bearer, or ?token=); a browser that
    // logged in (POST /login) is known by its HTTP session cookie.
    Authenticator authenticator = handshake -> handshake.bearerToken()
        .flatMap(accounts::byToken)
        .or(() -> transport.httpSession(handshake).flatMap(accounts::loggedIn))
        .map(u -> (Principal) u);
    return ChannelServer.builder()
        .transport(transport)
        .path("/ws")
        .authenticator(authenticator)
        .authorize(Channels.SESSION, (channel, conn) ->
            rooms.mayJoin(conn.principal(), channel.id().orElseThrow()))
        .handle(Channels.SESSION, SessionEvent.SendMessage.class, ChannelsConfig::chat)
        .build()
        .start();
  }

  /** Closes the channel server before the embedded server stops: clients get 1001. */
  @Bean
  public ChannelsShutdown channelsShutdown(ChannelServer server) {
    return new ChannelsShutdown(server);
  }

  /** The clock of the announcements (a bean, so tests may fix it). */
  @Bean
  public Clock clock() {
    return Clock.systemUTC();
  }

  /** A member's message: to everyone in the room, signed with the sender's name. */
  private static void chat(Request<SessionEvent, SessionEvent.SendMessage> request) {
    String room = request.channel().id().orElseThrow();
    Principal user = request.principal();
    String who = user == null ? "?" : user.getName();
    request.publisher().broadcast(Channels.session(room), new SessionEvent.StreamOutput(room,
        who + ": " + request.event().message(), System.currentTimeMillis()));
  }
}
