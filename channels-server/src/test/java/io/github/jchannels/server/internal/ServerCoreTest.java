package io.github.jchannels.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.jchannels.core.Frame;
import io.github.jchannels.core.time.FakeScheduler;
import io.github.jchannels.server.ChannelServer;
import io.github.jchannels.server.Handshake;
import io.github.jchannels.server.ServerLimits;
import io.github.jchannels.server.transport.ConnectionEvents;
import io.github.jchannels.server.transport.ServerTransport;
import io.github.jchannels.server.transport.TransportConnection;
import io.github.jchannels.server.transport.TransportContext;
import io.github.jchannels.server.transport.UpgradeResult;
import java.nio.ByteBuffer;
import java.security.Principal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The transport-neutral core against a fake transport (no sockets) on fake time: admission,
 * deadlines, liveness and shutdown, each deterministic (the slow consumer: the kit).
 */
class ServerCoreTest {
  final FakeScheduler time = new FakeScheduler();
  final FakeTransport transport = new FakeTransport();
  @Nullable ChannelServer server;

  /** A transport that records what the core asks of it. */
  static final class FakeTransport implements ServerTransport {
    @Nullable TransportContext context;
    boolean stopped;

    @Override
    public void start(TransportContext context) {
      this.context = context;
    }

    @Override
    public int port() {
      return -1;
    }

    @Override
    public void stop() {
      stopped = true;
    }

    FakeConnection connect() {
      FakeConnection c = new FakeConnection();
      c.events = context.connecting(c);
      return c;
    }
  }

  /** A connection that records calls; closed() is reported as a real transport would. */
  static final class FakeConnection implements TransportConnection {
    ConnectionEvents events;
    final BlockingQueue<String> written = new LinkedBlockingQueue<>();
    final List<String> calls = new CopyOnWriteArrayList<>();
    volatile long queued;
    volatile boolean gone;

    @Override
    public void write(Frame frame) {
      written.add(frame.text());
    }

    @Override
    public long queuedBytes() {
      return queued;
    }

    @Override
    public void pauseReading() {
      calls.add("pause");
    }

    @Override
    public void resumeReading() {
      calls.add("resume");
    }

    @Override
    public void ping() {
      calls.add("ping");
    }

    @Override
    public void pong(ByteBuffer payload) {
      calls.add("pong " + payload.remaining());
    }

    @Override
    public void close(int code, String reason) {
      calls.add("close " + code);
      events.closeSent(code);
    }

    @Override
    public void closeDiscardingQueued(int code, String reason) {
      calls.add("close-discarding " + code);
      events.closeSent(code);
    }

    @Override
    public void abort() {
      calls.add("abort");
      end(1006);
    }

    void end(int code) {
      if (!gone) {
        gone = true;
        events.closed(code, "");
      }
    }

    String take() throws InterruptedException {
      String s = written.poll(10, TimeUnit.SECONDS);
      assertThat(s).as("a frame within 10 s").isNotNull();
      return s;
    }

    /** Upgrades at {@code path} and opens; returns the first frame (connected). */
    String open(String path, Map<String, String> headers) throws InterruptedException {
      assertThat(events.upgrade(new Handshake(path, headers, null)).accepted()).isTrue();
      events.opened();
      return take();
    }
  }

  private ChannelServer start(ChannelServer.Builder b) {
    server = b.transport(transport).scheduler(time).build().start();
    return server;
  }

  @AfterEach
  void close() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void upgradesAreRefusedWithTheStatusOfTheirReason() {
    ChannelServer s = start(ChannelServer.builder().allowedOrigins("https://ok.example"));
    assertThat(transport.connect().events.upgrade(new Handshake("/nope", Map.of(), null))
        .status()).isEqualTo(404);
    assertThat(transport.connect().events.upgrade(new Handshake("/ws",
        Map.of("Origin", "https://evil.example"), null)).status()).isEqualTo(403);
    UpgradeResult ok = transport.connect().events.upgrade(new Handshake("/ws",
        Map.of("Origin", "https://ok.example"), null));
    assertThat(ok.accepted()).isTrue();
    assertThat(s.metrics().rejectedHandshakes()).isEqualTo(2);
  }

  @Test
  void aConnectionClosedWhileItAuthenticatesIsNeverOpenedNorRegistered() throws Exception {
    CountDownLatch inAuthenticator = new CountDownLatch(1);
    CountDownLatch goOn = new CountDownLatch(1);
    ChannelServer s = start(ChannelServer.builder().authenticator(h -> {
      inAuthenticator.countDown();
      assertThat(goOn.await(10, TimeUnit.SECONDS)).isTrue();
      return Optional.of((Principal) () -> "alice");
    }));
    FakeConnection c = transport.connect();
    assertThat(c.events.upgrade(new Handshake("/ws", Map.of(), null)).accepted()).isTrue();
    c.events.opened();
    assertThat(inAuthenticator.await(10, TimeUnit.SECONDS)).isTrue();
    c.end(1006); // the peer is gone while the authenticator still runs
    goOn.countDown();
    s.close(); // waits for the authentication task to finish
    assertThat(s.metrics().totalConnections()).as("never counted as open").isZero();
    assertThat(s.metrics().openConnections()).isZero();
    assertThat(c.written).as("no connected frame").isEmpty();
    assertThat(c.calls).as("nothing to close: it never was in the registry").isEmpty();
  }

  @Test
  void connectionWithoutUpgradeIsAbortedAtTheHandshakeDeadline() {
    ChannelServer s = start(ChannelServer.builder()
        .limits(ServerLimits.builder().handshakeTimeout(Duration.ofSeconds(3)).build()));
    FakeConnection c = transport.connect();
    time.advance(Duration.ofMillis(2999));
    assertThat(c.calls).isEmpty();
    time.advance(Duration.ofMillis(1));
    assertThat(c.calls).containsExactly("abort");
    assertThat(s.metrics().handshakeTimeouts()).isEqualTo(1);
  }

  @Test
  void refusedConnectionTheTransportLeftOpenIsAbortedAtTheDeadline() {
    ChannelServer s = start(ChannelServer.builder());
    FakeConnection c = transport.connect();
    assertThat(c.events.upgrade(new Handshake("/nope", Map.of(), null)).accepted()).isFalse();
    time.advance(ServerLimits.defaults().handshakeTimeout());
    assertThat(c.calls).containsExactly("abort");
    assertThat(s.metrics().handshakeTimeouts()).isZero();
  }

  @Test
  void pingsEveryIntervalAndASilentPeerIsAbortedAfterOneAndAHalf() throws Exception {
    start(ChannelServer.builder()
        .limits(ServerLimits.builder().pingInterval(Duration.ofMillis(100)).build()));
    FakeConnection live = transport.connect();
    FakeConnection silent = transport.connect();
    assertThat(live.open("/ws", Map.of())).contains("connected");
    assertThat(silent.open("/ws", Map.of())).contains("connected");
    for (int i = 0; i < 5; i++) {
      time.advance(Duration.ofMillis(100));
      live.events.pong(ByteBuffer.allocate(0)); // only pongs: pongs alone keep it alive
    }
    assertThat(live.calls).containsExactly("ping", "ping", "ping", "ping", "ping");
    assertThat(silent.calls).containsExactly("ping", "abort"); // at 200 ms: silent > 150 ms
  }

  @Test
  void pingFramesAreAnsweredByTheCore() throws Exception {
    start(ChannelServer.builder());
    FakeConnection c = transport.connect();
    c.open("/ws", Map.of());
    c.events.ping(ByteBuffer.wrap(new byte[] {1, 2, 3}));
    assertThat(c.calls).containsExactly("pong 3");
  }

  @Test
  void closeHandshakeIsBoundedByTheCloseTimeoutAndCountedOnce() throws Exception {
    ChannelServer s = start(ChannelServer.builder()
        .limits(ServerLimits.builder().closeTimeout(Duration.ofSeconds(2)).build()));
    FakeConnection c = transport.connect();
    String connected = c.open("/ws", Map.of());
    String id = connected.replaceAll(".*\"clientId\":\"([^\"]+)\".*", "$1");
    assertThat(s.disconnect(id, 4000, "bye")).isTrue();
    assertThat(s.disconnect(id, 4000, "again")).isTrue(); // still registered, not closed twice
    time.advance(Duration.ofMillis(1999));
    assertThat(c.calls).containsExactly("close 4000");
    time.advance(Duration.ofMillis(1));
    assertThat(c.calls).containsExactly("close 4000", "abort");
    assertThat(s.metrics().closesByCode()).containsEntry(4000, 1L);
    assertThat(s.connections()).isEmpty();
  }

  @Test
  void shutdownSends1001AbortsHandshakesStopsTheTransportAndLeavesAnInjectedScheduler()
      throws Exception {
    ChannelServer s = start(ChannelServer.builder()
        .limits(ServerLimits.builder().closeTimeout(Duration.ofMillis(200)).build()));
    FakeConnection open = transport.connect();
    open.open("/ws", Map.of());
    FakeConnection handshaking = transport.connect();
    s.close(); // the peers never answer: close() waits at most closeTimeout, then aborts
    assertThat(open.calls).containsExactly("close 1001", "abort");
    assertThat(handshaking.calls).containsExactly("abort");
    assertThat(transport.stopped).isTrue();
    time.advance(Duration.ofSeconds(1)); // the injected scheduler still works
    assertThat(transport.connect().events.upgrade(new Handshake("/ws", Map.of(), null))
        .status()).isEqualTo(503);
  }
}
