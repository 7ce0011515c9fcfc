package io.github.jchannels.jakarta;

import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import java.util.function.Consumer;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.websocket.jakarta.server.config.JakartaWebSocketServletContainerInitializer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/** Jetty 12 (ee10) with its Jakarta WebSocket server. */
final class EmbeddedJetty implements EmbeddedContainer {
  private final Server server;
  private final ServerConnector connector;

  EmbeddedJetty() {
    QueuedThreadPool pool = new QueuedThreadPool(64, 4);
    pool.setName("test-jetty");
    server = new Server(pool);
    connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
  }

  @Override
  public String name() {
    return "jetty";
  }

  @Override
  public EmbeddedJetty start(Consumer<ServletContext> init) throws Exception {
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
    return connector.getLocalPort();
  }

  @Override
  public void close() throws Exception {
    server.stop();
    server.join();
  }
}
