package io.github.jchannels.benchmarks.load;

import io.github.jchannels.jakarta.JakartaTransport;
import io.github.jchannels.server.ChannelServer;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.websocket.jakarta.server.config.JakartaWebSocketServletContainerInitializer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * The channels server with its defaults on the Jakarta WebSocket transport (channels-jakarta)
 * inside embedded Jetty 12 (ee10), on 127.0.0.1, any free port: the same server core as
 * {@link ChannelsTarget}, the container's WebSocket implementation instead of
 * Java-WebSocket. Jetty's own thread pool (its defaults: up to 200 threads) serves the
 * connector.
 */
public final class JakartaJettyTarget implements Target {
  private final Server jetty;
  private final ServerConnector connector;
  private final ChannelServer server;

  /** Starts Jetty with the transport's filter mounted, then the channels server. */
  public JakartaJettyTarget() {
    JakartaTransport transport = JakartaTransport.create();
    jetty = new Server();
    connector = new ServerConnector(jetty);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    jetty.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler("/");
    JakartaWebSocketServletContainerInitializer.configure(context, null);
    context.addEventListener(new ServletContextListener() {
      @Override
      public void contextInitialized(ServletContextEvent e) {
        transport.mount(e.getServletContext());
      }
    });
    jetty.setHandler(context);
    server = ChannelServer.builder().transport(transport).build();
    try {
      jetty.start();
    } catch (Exception e) {
      server.close();
      throw new IllegalStateException("Jetty did not start", e);
    }
    server.start();
  }

  @Override
  public String name() {
    return "jakarta";
  }

  @Override
  public LoadClient.Protocol protocol() {
    return LoadClient.Protocol.CHANNELS;
  }

  @Override
  public String path() {
    return server.path();
  }

  @Override
  public int port() {
    return connector.getLocalPort();
  }

  @Override
  public int receivers() {
    return server.subscriberCount(Payload.CHANNEL);
  }

  @Override
  public void broadcast(long seq, long sentNanos) {
    server.broadcast(Payload.CHANNEL, Payload.event(seq, sentNanos));
  }

  @Override
  public long serialisations() {
    return server.metrics().encodedFrames();
  }

  @Override
  public void close() {
    try {
      server.close();
    } finally {
      stopJetty();
    }
  }

  private void stopJetty() {
    try {
      jetty.stop();
    } catch (Exception e) {
      throw new IllegalStateException("Jetty did not stop", e);
    }
  }
}
