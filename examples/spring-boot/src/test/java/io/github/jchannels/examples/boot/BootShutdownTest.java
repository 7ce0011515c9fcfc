package io.github.jchannels.examples.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.jchannels.client.ChannelClient;
import io.github.jchannels.client.ConnectionState;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Stopping the application closes the channel server before the embedded Tomcat: a connected
 * client is told 1001 {@code server shutdown} by the channel server, not dropped by the
 * container.
 */
class BootShutdownTest {

  @Test
  void closingTheApplicationSendsTheServersGoingAway() throws Exception {
    ConfigurableApplicationContext app =
        SpringApplication.run(BootApplication.class, "--server.port=0");
    int port;
    try {
      port = ((WebServerApplicationContext) app).getWebServer().getPort();
    } catch (RuntimeException e) {
      app.close();
      throw e;
    }
    try (ChannelClient client = ChannelClient.builder(URI.create("ws://127.0.0.1:" + port + "/ws"))
        .token(() -> "alice-token").maxReconnectAttempts(1).build()) {
      CompletableFuture<ConnectionState.Reconnecting> dropped = new CompletableFuture<>();
      client.addStateListener(s -> {
        if (s instanceof ConnectionState.Reconnecting r) {
          dropped.complete(r);
        }
      });
      try {
        client.connect().get(10, TimeUnit.SECONDS);
      } finally {
        app.close();
      }
      ConnectionState.Reconnecting r = dropped.get(10, TimeUnit.SECONDS);
      assertThat(r.code()).isEqualTo(1001);
      assertThat(r.detail()).contains("server shutdown");
    }
  }
}
