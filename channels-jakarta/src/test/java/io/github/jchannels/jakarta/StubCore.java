package io.github.jchannels.jakarta;

import io.github.jchannels.core.Frame;
import io.github.jchannels.core.time.Scheduler;
import io.github.jchannels.core.time.SystemScheduler;
import io.github.jchannels.server.Handshake;
import io.github.jchannels.server.ServerLimits;
import io.github.jchannels.server.transport.ConnectionEvents;
import io.github.jchannels.server.transport.TransportConnection;
import io.github.jchannels.server.transport.TransportContext;
import io.github.jchannels.server.transport.UpgradeResult;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.BiConsumer;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * A minimal stand-in for the server core, to test the transport's mechanics alone: admits
 * {@code /ws} from origin-less or {@code http://good} peers, answers text with {@code onText},
 * closes binary with 1003, and records what the transport reported.
 */
final class StubCore implements TransportContext, AutoCloseable {
  final BlockingQueue<String> log = new LinkedBlockingQueue<>();
  final BlockingQueue<TransportConnection> opened = new LinkedBlockingQueue<>();
  private final ServerLimits limits;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final SystemScheduler scheduler = Scheduler.system("stub-core");
  private volatile BiConsumer<TransportConnection, String> onText =
      (c, text) -> c.write(new Frame(text));

  StubCore(ServerLimits limits) {
    this.limits = limits;
  }

  void onText(BiConsumer<TransportConnection, String> handler) {
    this.onText = handler;
  }

  @Override
  public ConnectionEvents connecting(TransportConnection connection) {
    return new ConnectionEvents() {
      @Override
      public UpgradeResult upgrade(Handshake request) {
        log.add("upgrade " + request.path());
        if (!request.path().equals("/ws")) {
          return UpgradeResult.refuse(404, "no endpoint");
        }
        if (request.origin().isPresent() && !request.origin().get().equals("http://good")) {
          return UpgradeResult.refuse(403, "origin");
        }
        return UpgradeResult.accept();
      }

      @Override
      public void opened() {
        log.add("opened");
        opened.add(connection);
      }

      @Override
      public void text(String message) {
        onText.accept(connection, message);
      }

      @Override
      public void binary(ByteBuffer message) {
        log.add("binary");
        connection.close(1003, "binary frames are not accepted");
      }

      @Override
      public void ping(ByteBuffer payload) {
        log.add("ping");
      }

      @Override
      public void pong(ByteBuffer payload) {
        log.add("pong");
      }

      @Override
      public void closeSent(int code) {
        log.add("closeSent " + code);
      }

      @Override
      public void closed(int code, String reason) {
        log.add("closed " + code);
      }
    };
  }

  @Override
  public String host() {
    return "127.0.0.1";
  }

  @Override
  public int port() {
    return 0;
  }

  @Override
  public @Nullable SSLContext tls() {
    return null;
  }

  @Override
  public Set<String> paths() {
    return Set.of("/ws", "/other");
  }

  @Override
  public ServerLimits limits() {
    return limits;
  }

  @Override
  public Scheduler scheduler() {
    return scheduler;
  }

  @Override
  public ExecutorService executor() {
    return executor;
  }

  @Override
  public void close() {
    executor.shutdownNow();
    scheduler.close();
  }
}
