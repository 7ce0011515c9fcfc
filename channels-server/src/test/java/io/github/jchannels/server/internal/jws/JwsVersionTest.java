package io.github.jchannels.server.internal.jws;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.URL;
import java.util.Properties;
import org.java_websocket.server.WebSocketServer;
import org.junit.jupiter.api.Test;

/**
 * Pins the Java-WebSocket version the workarounds of this package were written for: a bounded
 * draft and a fragment-sum check (issues 1507, 1508), counted writes, the capped handshake, the
 * lost-write-demand kick, onClose only for opened connections. Upgrading the library must
 * revisit each of them; this test fails first to say so.
 */
class JwsVersionTest {
  @Test
  void javaWebSocketOnTheClassPathIsTheVersionTheWorkaroundsWereWrittenFor() throws Exception {
    URL jar = WebSocketServer.class.getProtectionDomain().getCodeSource().getLocation();
    Properties p = new Properties();
    try (InputStream in = WebSocketServer.class.getResourceAsStream(
        "/META-INF/maven/org.java-websocket/Java-WebSocket/pom.properties")) {
      assertThat(in).as("pom.properties of Java-WebSocket in %s", jar).isNotNull();
      p.load(in);
    }
    assertThat(p.getProperty("version")).as("Java-WebSocket in %s", jar)
        .isEqualTo(JwsTransport.WRITTEN_FOR).isEqualTo("1.6.0");
  }
}
