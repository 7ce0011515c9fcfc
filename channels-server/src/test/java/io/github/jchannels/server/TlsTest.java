package io.github.jchannels.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.jchannels.core.Channels;
import io.github.jchannels.core.SessionEvent;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PROTOCOL.md section 1: the server serves wss:// when given a TLS context. */
class TlsTest {
  @TempDir
  Path dir;

  private SSLContext serverContext() throws Exception {
    Path store = dir.resolve("server.p12");
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool")
        .toString(), "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1",
        "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2",
        "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", "secret",
        "-keypass", "secret").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      ks.load(in, "secret".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, "secret".toCharArray());
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), null, null);
    return ctx;
  }

  private static SSLContext trustAll() throws Exception {
    TrustManager all = new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, new TrustManager[] {all}, null);
    return ctx;
  }

  @Test
  void wssCarriesTheProtocol() throws Exception {
    try (ChannelServer server = ChannelServer.builder().host("127.0.0.1").port(0)
        .tls(serverContext()).build().start()) {
      URI uri = URI.create("wss://localhost:" + server.port() + "/ws");
      SSLContext client = trustAll();
      try (TestClient c = TestClient.connect(uri, Map.of(), ws -> ws.setSocketFactory(
          client.getSocketFactory()))) {
        c.join("session:tls", true);
        c.assertAlive();
        server.broadcast(Channels.session("tls"),
            new SessionEvent.StreamOutput("tls", "x".repeat(100_000), 1));
        assertThat(c.take().get("data").get("message").asText()).hasSize(100_000);
        c.sendBinary(new byte[] {1});
        assertThat(c.awaitClose()).isEqualTo(1003);
      }
    }
  }

}
