package io.github.jchannels.examples.guide;

import io.github.jchannels.client.ChannelClient;
import io.github.jchannels.client.ClientMetrics;
import io.github.jchannels.client.ClientSubscription;
import io.github.jchannels.client.ConnectionState;
import io.github.jchannels.client.MessageLog;
import io.github.jchannels.core.Channel;
import io.github.jchannels.core.ChannelName;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.EventRegistry;
import io.github.jchannels.core.Reply;
import io.github.jchannels.core.SessionEvent;
import io.github.jchannels.core.Subscription;
import io.github.jchannels.server.Authenticator;
import io.github.jchannels.server.ChannelServer;
import io.github.jchannels.server.ConnectionInfo;
import io.github.jchannels.server.Publisher;
import io.github.jchannels.server.ServerListener;
import io.github.jchannels.server.ServerMetrics;
import java.net.URI;
import java.security.Principal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The code samples of {@code docs/guide.md}, compiled by the build. Each sample sits between
 * {@code // tag::name[]} and {@code // end::name[]}; {@code GuideSnippetsTest} checks that the
 * guide's copy of every sample is the same text, so the guide cannot drift from code that
 * compiles.
 */
@SuppressWarnings({"unused", "UnusedVariable"})
public final class GuideSamples {
  private static final Logger log = LoggerFactory.getLogger(GuideSamples.class);

  private GuideSamples() {}

  /** Stand-ins for an application's own services. */
  interface Tokens {
    Optional<Principal> lookup(String token);
  }

  interface Sessions {
    /** {@code user} is null on a connection that did not authenticate. */
    boolean canRead(@Nullable Principal user, String sessionId);
  }

  interface Agent {
    void start(String sessionId, String message, Publisher publisher);
  }

  interface Ui {
    void append(String text);

    void done(String messageId);

    void showError(String error);

    void banner(String text);
  }

  static void channels() {
    // tag::channels[]
    Channel<SessionEvent> session = Channels.session("abc123");   // "session:abc123"
    Channel<WorkflowEvent> run = WorkflowEvent.FAMILY.channel("run:456");

    // Untrusted text (from a config file, a URL) is parsed, never guessed:
    switch (ChannelName.parse("workflow:run:456")) {
      case ChannelName.Parse.Valid v -> log.info("resource {} id {}", v.name().resource(),
          v.name().id());                    // "workflow", "run:456"
      case ChannelName.Parse.Invalid i -> log.warn("bad channel: {}", i.reason());
    }
    // end::channels[]
  }

  // tag::switch[]
  static void onSessionEvent(SessionEvent.ToClient event, Ui ui) {
    switch (event) {
      case SessionEvent.StreamOutput o -> ui.append(o.message());
      case SessionEvent.ProgressUpdate p -> ui.banner(p.progress() + "/" + p.total());
      case SessionEvent.MessageComplete c -> ui.done(c.messageId());
      case SessionEvent.SessionError e -> ui.showError(e.error());
      case SessionEvent.SubscribeSuccess s -> ui.banner("joined " + s.sessionId());
      case SessionEvent.TypingIndicator t -> ui.banner(t.userName() + " is typing");
      // no default: a new ToClient record breaks this switch at compile time
    }
  }
  // end::switch[]

  static ChannelServer server(Tokens tokens, Sessions sessions, Agent agent) {
    // tag::server[]
    EventRegistry registry = EventRegistry.builder()
        .withDefaults()                      // global, session, shell
        .add(WorkflowEvent.FAMILY)
        .build();                            // fails fast on duplicate wire names

    ChannelServer server = ChannelServer.builder()
        .port(8081)
        .registry(registry)
        .allowedOrigins("https://app.example.com")
        // 1. Who is this connection? Checked once, at the handshake (1008 if empty).
        .authenticator(Authenticator.bearer(tokens::lookup))
        // 2. May it join this channel? Checked on every subscribe.
        .authorize(Channels.SESSION, (channel, connection) ->
            sessions.canRead(connection.principal(), channel.id().orElseThrow()))
        // 3. What happens when it sends something? Checked again before acting.
        .handle(Channels.SESSION, SessionEvent.SendMessage.class, request -> {
          String sessionId = request.channel().id().orElseThrow();
          if (!sessions.canRead(request.principal(), sessionId)) {
            request.reply(Reply.error("forbidden", "Not your session"));
            return;
          }
          request.reply(Reply.ok(null));
          agent.start(sessionId, request.event().message(), request.publisher());
        })
        .build()
        .start();
    // end::server[]
    return server;
  }

  // tag::publisher[]
  /** Domain code depends on Publisher, not on the server: easy to test with a fake. */
  record WorkflowRunner(Publisher publisher) {
    void run(String runId, List<String> steps) {
      Channel<WorkflowEvent> channel = WorkflowEvent.FAMILY.channel(runId);
      for (int i = 0; i < steps.size(); i++) {
        publisher.broadcast(channel, new WorkflowEvent.StepStarted(runId, steps.get(i), i,
            steps.size()));
        // ... do the work ...
        publisher.broadcast(channel, new WorkflowEvent.StepCompleted(runId, steps.get(i), true,
            null));
      }
      publisher.broadcast(channel, new WorkflowEvent.RunFinished(runId, "succeeded"));
      // publisher.broadcast(channel, new SessionEvent.StreamOutput(...));  // does not compile
    }
  }
  // end::publisher[]

  static void cancelHandler(ChannelServer.Builder builder) {
    // tag::handler[]
    builder.handle(WorkflowEvent.FAMILY, WorkflowEvent.CancelRun.class, request -> {
      String runId = request.channel().id().orElseThrow();
      log.info("{} cancels {}: {}", request.principal(), runId, request.event().reason());
      request.reply(Reply.ok(null));
      request.publisher().broadcast(request.channel(),
          new WorkflowEvent.RunFinished(runId, "cancelled"));
    });
    // end::handler[]
  }

  // the sample shows connect() as applications call it: at once, its outcome reaches the state
  // listener (Ready, Reconnecting, Closed), so the future it returns is deliberately not kept
  @SuppressWarnings("FutureReturnValueIgnored")
  static void client(Ui ui) throws Exception {
    // tag::client[]
    try (ChannelClient client = ChannelClient.builder(URI.create("ws://localhost:8081/ws"))
        .token(() -> "demo-token")           // asked again on every reconnection
        .build()) {
      client.addStateListener(state -> {
        switch (state) {
          case ConnectionState.Ready r -> ui.banner("Connected");
          case ConnectionState.Reconnecting r ->
              ui.banner("Reconnecting… (" + r.attempt() + "/" + r.maxAttempts() + ")");
          case ConnectionState.Closed c -> ui.banner("Disconnected: " + c.reason());
          default -> ui.banner("Connecting…");
        }
      });
      client.connect();                      // returns at once; sends queue until ready

      Channel<SessionEvent> channel = Channels.session("abc123");
      ClientSubscription subscription = client.subscribe(channel, event -> {
        if (event instanceof SessionEvent.ToClient e) {
          onSessionEvent(e, ui);
        }
      });
      subscription.joined().get();           // subscription_success (or an exception)

      Reply reply = client.request(channel, new SessionEvent.SendMessage("hello"))
          .get();                            // fails on status error or internal_error
      // ... later: subscription.close() leaves the channel when it was the last handler
    }
    // end::client[]
  }

  static void debugging(ChannelClient client, ChannelServer server) {
    // tag::debugging[]
    ClientMetrics.Snapshot m = client.metrics().snapshot();
    log.info("sent={} received={} reconnections={} dropped={} avgLatency={}ms",
        m.messagesSent(), m.messagesReceived(), m.reconnections(), m.dropped(),
        m.averageLatencyMillis());

    for (MessageLog.Entry e : client.messageLog().entries("session:abc123")) {
      log.info("{} {} {} {}", e.time(), e.direction(), e.type(), e.payload());
    }

    ServerMetrics s = server.metrics();      // what the demo's /api/inspector shows
    log.info("open={} channels={} encoded={} queued={} errors={}", s.openConnections(),
        s.channels(), s.encodedFrames(), s.messagesOut(), s.errorsByCode());
    for (ConnectionInfo c : server.connections()) {
      log.info("{} {} joined {}", c.id(), c.principal(), c.channels());
    }
    // end::debugging[]
  }

  static ServerListener auditListener() {
    // tag::listener[]
    ServerListener audit = new ServerListener() {
      @Override
      public void onConnect(ConnectionInfo c) {
        log.info("connect {} as {} from {}", c.id(), c.principal(), c.remoteAddress());
      }

      @Override
      public void onDisconnect(ConnectionInfo c, int code, String reason) {
        log.info("disconnect {} code {} {}", c.id(), code, reason);
      }

      @Override
      public void onSubscribe(ConnectionInfo c, String channel) {
        log.info("{} joined {}", c.id(), channel);
      }
    };
    // ChannelServer.builder().listener(audit) ...
    // end::listener[]
    return audit;
  }

  static void patterns(ChannelClient client, List<String> sessionIds, Ui ui) {
    // tag::multi[]
    List<Subscription> open = new ArrayList<>();
    for (String id : sessionIds) {
      open.add(client.subscribe(Channels.session(id), event -> {
        if (event instanceof SessionEvent.StreamOutput o) {
          ui.append("[" + o.sessionId() + "] " + o.message());
        }
      }));
    }
    // when the view goes away, the Java version of a useEffect cleanup:
    open.forEach(Subscription::close);
    // end::multi[]

    // tag::errors[]
    client.addErrorListener(error ->
        ui.showError(error.code() + ": " + error.message()));   // e.g. not_subscribed
    // end::errors[]
  }

  // tag::await[]
  /** Sends and waits for the streamed answer: complete the future on message_complete. */
  static CompletableFuture<String> ask(ChannelClient client, String sessionId, String text) {
    Channel<SessionEvent> channel = Channels.session(sessionId);
    StringBuilder answer = new StringBuilder();
    CompletableFuture<String> done = new CompletableFuture<>();
    Subscription s = client.subscribe(channel, event -> {
      switch (event) {
        case SessionEvent.StreamOutput o -> answer.append(o.message());
        case SessionEvent.MessageComplete c -> done.complete(answer.toString());
        case SessionEvent.SessionError e -> done.completeExceptionally(
            new IllegalStateException(e.error()));
        default -> { }
      }
    });
    return client.request(channel, new SessionEvent.SendMessage(text))
        .thenCompose(reply -> done)             // a refused or failed request fails it too
        .orTimeout(30, TimeUnit.SECONDS)
        .whenComplete((r, t) -> s.close());
  }
  // end::await[]

  static ChannelClient tunedClient() {
    // tag::tuning[]
    ChannelClient client = ChannelClient.builder(URI.create("wss://app.example.com/ws"))
        .token(() -> "…")
        .heartbeat(Duration.ofSeconds(30), Duration.ofSeconds(5))   // the defaults
        .reconnectDelays(Duration.ofSeconds(1), Duration.ofSeconds(30))
        .maxReconnectAttempts(5)
        .sendQueueCapacity(100)
        .messageLogCapacity(50)
        .build();
    // end::tuning[]
    return client;
  }
}
