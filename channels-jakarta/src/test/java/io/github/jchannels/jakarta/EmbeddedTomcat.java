package io.github.jchannels.jakarta;

import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.net.SSLHostConfig;
import org.apache.tomcat.util.net.SSLHostConfigCertificate;
import org.apache.tomcat.websocket.server.WsSci;
import org.jspecify.annotations.Nullable;

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
  public EmbeddedTomcat start(Consumer<ServletContext> init, @Nullable KeyStoreFile keyStore)
      throws Exception {
    if (keyStore != null) {
      connector.setSecure(true);
      connector.setScheme("https");
      connector.setProperty("SSLEnabled", "true");
      SSLHostConfig ssl = new SSLHostConfig();
      SSLHostConfigCertificate cert = new SSLHostConfigCertificate(ssl,
          SSLHostConfigCertificate.Type.UNDEFINED);
      cert.setCertificateKeystoreFile(keyStore.path().toString());
      cert.setCertificateKeystorePassword(keyStore.password());
      cert.setCertificateKeystoreType("PKCS12");
      ssl.addCertificate(cert);
      connector.addSslHostConfig(ssl);
    }
    Context ctx = tomcat.addContext("", base.toString());
    ctx.addServletContainerInitializer(new WsSci(), null);
    ctx.addServletContainerInitializer((classes, servletContext) -> init.accept(servletContext),
        null);
    // Tomcat runs filters only for requests that map to a servlet
    Tomcat.addServlet(ctx, "default", new HttpServlet() {
      private static final long serialVersionUID = 1L;

      @Override
      protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.sendError(404);
      }
    });
    ctx.addServletMapping("/", "default");
    tomcat.start();
    return this;
  }

  @Override
  public int port() {
    return connector.getLocalPort();
  }

  @Override
  public void close() {
    try {
      tomcat.stop();
      tomcat.destroy();
    } catch (LifecycleException e) {
      throw new IllegalStateException("Tomcat did not stop", e);
    }
    try (Stream<Path> files = Files.walk(base)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
