package io.github.jchannels.benchmarks.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.jchannels.core.Channels;
import io.github.jchannels.server.Authenticator;
import io.github.jchannels.server.ChannelServer;
import io.github.jchannels.server.Presence;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.security.Principal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Presence under a join storm (PROTOCOL.md section 12): N clients, already connected, subscribe
 * to one channel with presence at once. Measures, with diff coalescing on (the default window)
 * and off (window 0): the presence frames the clients receive ({@code presence_state} and
 * {@code presence_diff}, which is what the server sends), their bytes, and the time from the
 * first subscribe until every client's view (state plus diffs, applied leaves then joins by
 * connId) holds all N entries.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.github.jchannels.benchmarks.load.PresenceBench \
 *     --clients 1000 --windows 100,0 --rounds 3
 * </pre>
 *
 * <p>Server and clients run in this JVM on loopback (one JDK {@link HttpClient} for every
 * client). After convergence the run waits 5 windows (at least 1 s) for late diffs, so the
 * totals include every frame the storm caused.
 */
public final class PresenceBench {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CHANNEL = "session:presence-bench";

  private PresenceBench() {}

  /** One client: its view of the channel and its counters. */
  private static final class Client implements WebSocket.Listener {
    final int n;
    final CountDownLatch converged;
    final CompletableFuture<String> connected = new CompletableFuture<>();
    final Set<String> view = new HashSet<>();
    final AtomicLong frames;
    final AtomicLong bytes;
    final StringBuilder partial = new StringBuilder();
    volatile long convergedAt;
    volatile long stateAt;
    boolean done;
    /** Null until the WebSocket is open. */
    @Nullable WebSocket ws;

    Client(int n, CountDownLatch converged, AtomicLong frames, AtomicLong bytes) {
      this.n = n;
      this.converged = converged;
      this.frames = frames;
      this.bytes = bytes;
    }

    @Override
    public @Nullable CompletionStage<?> onText(WebSocket webSocket, CharSequence data,
        boolean last) {
      partial.append(data);
      if (last) {
        String text = partial.toString();
        partial.setLength(0);
        handle(text);
      }
      webSocket.request(1);
      return null;
    }

    private void handle(String text) {
      try {
        if (!connected.isDone()) {
          JsonNode m = JSON.readTree(text);
          if ("connected".equals(m.path("type").asText())) {
            connected.complete(m.path("data").path("clientId").asText());
          }
          return;
        }
        if (!text.contains("\"presence_")) {
          return;
        }
        frames.incrementAndGet();
        bytes.addAndGet(text.length());
        JsonNode m = JSON.readTree(text);
        JsonNode d = m.path("data");
        if ("presence_state".equals(m.path("type").asText())) {
          stateAt = System.nanoTime();
          view.clear();
          add(d.path("entries"));
        } else {
          d.path("leaves").forEach(list -> list.forEach(e -> view.remove(
              e.path("connId").asText())));
          add(d.path("joins"));
        }
        if (!done && view.size() == n) {
          done = true;
          convergedAt = System.nanoTime();
          converged.countDown();
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }

    private void add(JsonNode byKey) {
      byKey.forEach(list -> list.forEach(e -> view.add(e.path("connId").asText())));
    }
  }

  /** The outcome of one storm. */
  record Result(int clients, long windowMillis, long frames, long bytes, long framesAtConvergence,
      double subscribedMillis, double convergenceMillis) {}

  /** Runs one storm of {@code clients} joins with a coalescing window of {@code window}. */
  static Result run(int clients, Duration window) throws Exception {
    ChannelServer server = ChannelServer.builder().host("127.0.0.1").port(0)
        .authenticator(Authenticator.bearer(t -> Optional.<Principal>of(() -> t)))
        .presence(Channels.SESSION, Presence.builder().window(window).build())
        .build().start();
    HttpClient http = HttpClient.newHttpClient();
    AtomicLong frames = new AtomicLong();
    AtomicLong bytes = new AtomicLong();
    CountDownLatch converged = new CountDownLatch(clients);
    List<Client> all = new ArrayList<>();
    try {
      for (int i = 0; i < clients; i++) {
        Client c = new Client(clients, converged, frames, bytes);
        c.ws = http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + server.port()
            + "/ws?token=user" + i), c).get(30, TimeUnit.SECONDS);
        c.connected.get(30, TimeUnit.SECONDS);
        all.add(c);
      }
      String subscribe = "{\"channel\":\"global\",\"type\":\"subscribe\",\"data\":{\"channel\":\""
          + CHANNEL + "\"}}";
      long start = System.nanoTime();
      List<CompletableFuture<WebSocket>> sent = new ArrayList<>();
      for (Client c : all) {
        sent.add(Objects.requireNonNull(c.ws).sendText(subscribe, true));
      }
      CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      if (!converged.await(10, TimeUnit.MINUTES)) {
        throw new IllegalStateException(converged.getCount() + " clients did not converge");
      }
      long last = 0;
      long subscribed = 0;
      for (Client c : all) {
        last = Math.max(last, c.convergedAt);
        subscribed = Math.max(subscribed, c.stateAt);
      }
      long atConvergence = frames.get();
      Thread.sleep(Math.max(1000, window.toMillis() * 5));
      return new Result(clients, window.toMillis(), frames.get(), bytes.get(), atConvergence,
          (subscribed - start) / 1e6, (last - start) / 1e6);
    } finally {
      for (Client c : all) {
        if (c.ws != null) {
          c.ws.abort();
        }
      }
      http.close();
      server.close();
    }
  }

  /**
   * Arguments: {@code --clients N} (default 1000), {@code --windows ms,ms} (default 100,0),
   * {@code --rounds R} (default 3). A 50-client storm warms each window up first (not printed).
   */
  public static void main(String[] args) throws Exception {
    int clients = 1000;
    String windows = "100,0";
    int rounds = 3;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--clients" -> clients = Integer.parseInt(args[i + 1]);
        case "--windows" -> windows = args[i + 1];
        case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    System.out.println("clients window_ms round frames frames_at_convergence bytes"
        + " last_state_ms convergence_ms frames_per_client");
    for (String w : windows.split(",", -1)) {
      Duration window = Duration.ofMillis(Long.parseLong(w.trim()));
      run(Math.min(clients, 50), window); // warm-up
      for (int r = 1; r <= rounds; r++) {
        Result res = run(clients, window);
        System.out.println(String.format(Locale.ROOT, "%d %d %d %d %d %d %.0f %.0f %.1f",
            res.clients(), res.windowMillis(), r, res.frames(), res.framesAtConvergence(),
            res.bytes(), res.subscribedMillis(), res.convergenceMillis(),
            res.frames() / (double) res.clients()));
      }
    }
  }
}
