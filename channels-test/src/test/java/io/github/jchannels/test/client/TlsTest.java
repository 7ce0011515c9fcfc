package io.github.jchannels.test.client;

import io.github.jchannels.client.ChannelClient;
import io.github.jchannels.client.ConnectionState;
import io.github.jchannels.client.transport.ClientTransport;
import io.github.jchannels.core.time.FakeScheduler;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

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

/** {@code wss://} with a private certificate, trusted through {@code Builder.sslContext}. */
class TlsTest {
  private static final char[] PASSWORD = "changeit".toCharArray();
  private static final Duration WAIT = Duration.ofSeconds(20);
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

  static List<ClientTransport> transports() {
    return List.of(ClientTransport.jdk(), ClientTransport.javaWebSocket());
  }

  @ParameterizedTest
  @MethodSource("transports")
  void connectsOverWssWithATrustedPrivateCertificate(ClientTransport transport) throws Exception {
    try (ScriptedServer server = ScriptedServer.startTls(serverContext());
        ChannelClient client = ChannelClient.builder(server.uri()).transport(transport)
            .sslContext(clientContext()).build()) {
      assertThat(server.uri().getScheme()).isEqualTo("wss");
      client.connect().get(20, TimeUnit.SECONDS);
      client.send(Channels.session("t"), new SessionEvent.SendMessage("over tls", null, null));
      assertThat(server.takeFrame("send_message", WAIT)).contains("over tls");
    }
  }

  @ParameterizedTest
  @MethodSource("transports")
  void tlsParametersAreApplied(ClientTransport transport) throws Exception {
    SSLParameters onlyTls12 = new SSLParameters();
    onlyTls12.setProtocols(new String[] {"TLSv1.2"});
    try (ScriptedServer server = ScriptedServer.startTls(serverContext());
        ChannelClient client = ChannelClient.builder(server.uri()).transport(transport)
            .sslContext(clientContext()).sslParameters(onlyTls12).build()) {
      client.connect().get(20, TimeUnit.SECONDS);
      client.send(Channels.session("t"), new SessionEvent.SendMessage("tls 1.2", null, null));
      assertThat(server.takeFrame("send_message", WAIT)).contains("tls 1.2");
      assertThat(server.lastTlsProtocol()).isEqualTo("TLSv1.2");
    }
  }

  @ParameterizedTest
  @MethodSource("transports")
  void anUntrustedCertificateNeverBecomesReady(ClientTransport transport) throws Exception {
    RecordingStateListener states = new RecordingStateListener();
    FakeScheduler time = new FakeScheduler();
    try (ScriptedServer server = ScriptedServer.startTls(serverContext());
        ChannelClient client = ChannelClient.builder(server.uri()).transport(transport)
            .scheduler(time).maxReconnectAttempts(0).build()) {
      client.addStateListener(states);
      var unused = client.connect(); // the states tell how it goes
      ConnectionState.Closed c = states.takeState(ConnectionState.Closed.class, WAIT);
      assertThat(c.reason()).isEqualTo(ConnectionState.CloseReason.GAVE_UP);
      assertThat(states.all()).noneMatch(ConnectionState::isReady);
      assertThat(server.connectionCount()).isZero();
      assertThat(client.metrics().snapshot().messagesReceived()).isZero();
    }
  }
}
