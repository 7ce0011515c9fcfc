package io.github.jchannels.jakarta;

import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import java.util.function.Consumer;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.websocket.jakarta.server.config.JakartaWebSocketServletContainerInitializer;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.jspecify.annotations.Nullable;

/** Jetty 12 (ee10) with its Jakarta WebSocket server. */
final class EmbeddedJetty implements EmbeddedContainer {
  private final Server server;
  private @Nullable ServerConnector connector;

  EmbeddedJetty() {
    QueuedThreadPool pool = new QueuedThreadPool(64, 4);
    pool.setName("test-jetty");
    server = new Server(pool);
  }

  @Override
  public String name() {
    return "jetty";
  }

  @Override
  public EmbeddedJetty start(Consumer<ServletContext> init, @Nullable KeyStoreFile keyStore)
      throws Exception {
    ServerConnector c;
    if (keyStore == null) {
      c = new ServerConnector(server);
    } else {
      SslContextFactory.Server tls = new SslContextFactory.Server();
      tls.setKeyStorePath(keyStore.path().toString());
      tls.setKeyStorePassword(keyStore.password());
      tls.setKeyStoreType("PKCS12");
      c = new ServerConnector(server, new SslConnectionFactory(tls, "http/1.1"),
          new HttpConnectionFactory());
    }
    c.setHost("127.0.0.1");
    c.setPort(0);
    server.addConnector(c);
    connector = c;
    ServletContextHandler context = new ServletContextHandler("/");
    JakartaWebSocketServletContainerInitializer.configure(context, null);
    context.addEventListener(new ServletContextListener() {
      @Override
      public void contextInitialized(ServletContextEvent event) {
        init.accept(event.getServletContext());
      }
    });
    server.setHandler(context);
    server.start();
    return this;
  }

  @Override
  public int port() {
    ServerConnector c = connector;
    return c == null ? -1 : c.getLocalPort();
  }

  @Override
  public void close() {
    try {
      server.stop();
      server.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while stopping Jetty", e);
    } catch (Exception e) {
      throw new IllegalStateException("Jetty did not stop", e);
    }
  }
}
