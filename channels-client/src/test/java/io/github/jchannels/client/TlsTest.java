package io.github.jchannels.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.jchannels.core.Channels;
import io.github.jchannels.core.SessionEvent;
import java.io.InputStream;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code wss://} with a private certificate, trusted through {@code Builder.sslContext}. */
class TlsTest {
  private static final char[] PASSWORD = "changeit".toCharArray();
  private static KeyStore keyStore;

  /** A self-signed certificate for 127.0.0.1, kept in the test resources (see its README). */
  @BeforeAll
  static void loadCertificate() throws Exception {
    keyStore = KeyStore.getInstance("PKCS12");
    try (InputStream in = TlsTest.class.getResourceAsStream("/tls/server.p12")) {
      assertThat(in).isNotNull();
      keyStore.load(in, PASSWORD);
    }
  }

  private static SSLContext serverContext() throws Exception {
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keyStore, PASSWORD);
    SSLContext c = SSLContext.getInstance("TLS");
    c.init(kmf.getKeyManagers(), null, null);
    return c;
  }

  private static SSLContext clientContext() throws Exception {
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(keyStore);
    SSLContext c = SSLContext.getInstance("TLS");
    c.init(null, tmf.getTrustManagers(), null);
    return c;
  }

  @Test
  void connectsOverWssWithATrustedPrivateCertificate() throws Exception {
    try (ScriptedServer server = new ScriptedServer(0, serverContext());
        ChannelClient client = ChannelClient.builder(server.uri()).sslContext(clientContext())
            .build()) {
      assertThat(server.uri().getScheme()).isEqualTo("wss");
      client.connect().get(10, TimeUnit.SECONDS);
      client.send(Channels.session("t"), new SessionEvent.SendMessage("over tls", null, null));
      assertThat(server.take("send_message")).contains("over tls");
    }
  }

  @Test
  void anUntrustedCertificateNeverBecomesReady() throws Exception {
    StateRecorder states = new StateRecorder();
    try (ScriptedServer server = new ScriptedServer(0, serverContext());
        ChannelClient client = ChannelClient.builder(server.uri())
            .reconnectDelays(Duration.ofMillis(20), Duration.ofMillis(20))
            .maxReconnectAttempts(1).build()) {
      client.addStateListener(states);
      client.connect();
      states.await(s -> s instanceof ConnectionState.Closed c
          && c.reason() == ConnectionState.CloseReason.GAVE_UP, 10);
      assertThat(states.all).noneMatch(s -> s.state().isReady());
      assertThat(server.connections.get()).isZero();
      assertThat(List.of(client.metrics().snapshot().messagesReceived())).containsExactly(0L);
    }
  }
}
