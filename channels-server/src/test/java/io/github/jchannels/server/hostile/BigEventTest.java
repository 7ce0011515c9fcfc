package io.github.jchannels.server.hostile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.jchannels.core.Channels;
import io.github.jchannels.core.SessionEvent;
import io.github.jchannels.server.ChannelServer;
import io.github.jchannels.server.ServerLimits;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, item 7: one event larger than the outbound frame limit is refused at publish (an
 * exception naming the size and the limit) and reaches nobody, instead of closing every
 * subscriber with 1013 and causing a reconnect storm.
 */
class BigEventTest {
  private ChannelServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static void subscribe(Attacker a, String channel) {
    a.text("{\"channel\":\"global\",\"type\":\"subscribe\",\"data\":{\"channel\":\"" + channel
        + "\"},\"ref\":\"s\"}");
    assertThat(a.next().type()).isEqualTo("subscription_success");
    assertThat(a.next().type()).isEqualTo("subscribe_success");
  }

  @Test
  void anEventOverTheFrameLimitIsRefusedAtPublishAndReachesNobody() {
    server = Servers.start(ServerLimits.builder().maxFrameSize(4096).build());
    List<Attacker> subscribers = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        Attacker a = Attacker.open(server.port());
        subscribers.add(a);
        subscribe(a, "session:big");
      }
      var big = new SessionEvent.StreamOutput("big", "x".repeat(5000), 1L);
      assertThatThrownBy(() -> server.broadcast(Channels.session("big"), big))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("4096");
      var small = new SessionEvent.StreamOutput("big", "fits", 2L);
      assertThat(server.broadcast(Channels.session("big"), small)).isEqualTo(3);
      for (Attacker a : subscribers) {
        assertThat(a.next().json().get("data").get("message").asText()).isEqualTo("fits");
        a.assertServed(Servers.LEGIT_WITHIN);
      }
      assertThat(server.metrics().slowConsumerCloses()).isZero();
    } finally {
      subscribers.forEach(Attacker::close);
    }
  }
}
