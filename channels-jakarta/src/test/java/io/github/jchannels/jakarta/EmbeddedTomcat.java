package io.github.jchannels.jakarta;

import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServlet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.websocket.server.WsSci;

/** Tomcat 11 embedded with its WebSocket support ({@code tomcat-embed-websocket}). */
final class EmbeddedTomcat implements EmbeddedContainer {
  private final Tomcat tomcat = new Tomcat();
  private final Connector connector = new Connector();
  private final Path base;

  EmbeddedTomcat() throws IOException {
    base = Files.createTempDirectory("channels-tomcat");
    tomcat.setBaseDir(base.toString());
    connector.setPort(0);
    connector.setProperty("address", "127.0.0.1");
    tomcat.getService().addConnector(connector);
    tomcat.setConnector(connector);
  }

  @Override
  public String name() {
    return "tomcat";
  }

  @Override
  public EmbeddedTomcat start(Consumer<ServletContext> init) throws Exception {
    Context ctx = tomcat.addContext("", base.toString());
    ctx.addServletContainerInitializer(new WsSci(), null);
    ctx.addServletContainerInitializer((classes, servletContext) -> init.accept(servletContext),
        null);
    // Tomcat runs filters only for requests that map to a servlet
    Tomcat.addServlet(ctx, "default", new HttpServlet() {
      private static final long serialVersionUID = 1L;
    });
    ctx.addServletMappingDecoded("/", "default");
    tomcat.start();
    return this;
  }

  @Override
  public int port() {
    return connector.getLocalPort();
  }

  @Override
  public void close() throws Exception {
    tomcat.stop();
    tomcat.destroy();
    try (Stream<Path> files = Files.walk(base)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
