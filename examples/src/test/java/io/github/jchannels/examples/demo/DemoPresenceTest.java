package io.github.jchannels.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.jchannels.server.ConnectionInfo;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The demo's presence inputs: the tab's display name as the principal, and the meta hook. */
class DemoPresenceTest {

  @Test
  void aTabIsNamedByItsRequestedNameWithinLimitsElseDemo() {
    assertThat(DemoApp.displayName("tab-1a2b")).isEqualTo("tab-1a2b");
    assertThat(DemoApp.displayName("x".repeat(32))).hasSize(32);
    assertThat(DemoApp.displayName("x".repeat(33))).isEqualTo("demo");
    assertThat(DemoApp.displayName("")).isEqualTo("demo");
    assertThat(DemoApp.displayName(null)).isEqualTo("demo");
    assertThat(DemoApp.displayName("<b>x</b>")).isEqualTo("demo");
    assertThat(DemoApp.displayName("Admin")).as("admin is never granted").isEqualTo("demo");
  }

  @Test
  void theHookGivesEveryEntryItsPrincipalsNameAsMetaName() {
    ConnectionInfo named = new ConnectionInfo("c1", "/ws", new DemoApp.DemoUser("tab-1a2b"), null,
        Instant.EPOCH, Set.of(), 0);
    ConnectionInfo anonymous = new ConnectionInfo("c2", "/ws", null, null, Instant.EPOCH,
        Set.of(), 0);
    assertThat(DemoApp.presenceMeta(named)).isEqualTo(Map.of("name", "tab-1a2b"));
    assertThat(DemoApp.presenceMeta(anonymous)).isEqualTo(Map.of("name", "c2"));
  }
}
