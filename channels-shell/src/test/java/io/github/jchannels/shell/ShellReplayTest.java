package io.github.jchannels.shell;

import static io.github.jchannels.shell.Fixture.principal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.jchannels.core.time.FakeScheduler;
import io.github.jchannels.core.transport.CloseCodes;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Reattach with the screen (issue 17, part 5). */
@Timeout(60)
class ShellReplayTest {

  private static String outputAfterInit(ShellPeer p, String id, int cols, int rows) {
    p.expectInit(id, cols, rows);
    JsonNode n = p.next();
    assertThat(n.path("type").asText()).as(n.toString()).isEqualTo("output");
    return n.path("data").path("data").asText();
  }

  @Test
  void everyAttacherGetsTheScreenRightAfterItsInit() {
    try (Fixture f = new Fixture(TestShells.interactive().build())) {
      ShellPeer a = f.open(principal("alice"));
      a.init("t", 80, 24);
      a.expectInit("t", 80, 24);
      a.input("t", "echo fir''st-line\n");
      a.awaitOutput("first-line");
      ShellPeer b = f.open(principal("alice"));
      b.init("t", 80, 24);
      assertThat(outputAfterInit(b, "t", 80, 24)).contains("echo fir''st-line")
          .contains("first-line");
      ShellPeer c = f.open(principal("alice"));
      c.init("t", 80, 24);
      assertThat(outputAfterInit(c, "t", 80, 24)).contains("first-line");
    }
  }

  @Test
  void aReconnectionWithinTheGraceGetsTheScreenBack() {
    FakeScheduler time = new FakeScheduler();
    try (Fixture f = new Fixture(TestShells.interactive(time)
        .reattachGrace(Duration.ofSeconds(30)).build())) {
      ShellPeer a = f.open(principal("alice"));
      a.init("t", 80, 24);
      a.expectInit("t", 80, 24);
      a.input("t", "echo be''fore-drop\n");
      a.awaitOutput("before-drop");
      a.connection.closeFromPeer(CloseCodes.ABNORMAL, "lost");
      ShellPeer b = f.open(principal("alice"));
      b.init("t", 80, 24);
      assertThat(outputAfterInit(b, "t", 80, 24)).contains("before-drop");
    }
  }

  @Test
  void theReplayKeepsTheNewestOutputWithinItsBound() {
    try (Fixture f = new Fixture(TestShells.script("seq 1 5000; echo DONE; read -r x")
        .replayBuffer(1024).build())) {
      ShellPeer a = f.open(principal("alice"));
      a.init("r", 80, 24);
      a.expectInit("r", 80, 24);
      a.awaitOutput("DONE");
      ShellPeer b = f.open(principal("alice"));
      b.init("r", 80, 24);
      String screen = outputAfterInit(b, "r", 80, 24);
      assertThat(screen.length()).isLessThanOrEqualTo(1024).isGreaterThan(900);
      assertThat(screen).endsWith("4999\r\n5000\r\nDONE\r\n");
      // it starts at a line: the first line is a whole number
      assertThat(screen.substring(0, screen.indexOf('\r'))).matches("\\d+");
      assertThat(Integer.parseInt(screen.substring(0, screen.indexOf('\r')))).isGreaterThan(4800);
    }
  }

  @Test
  void theSizeReturnsToTheRemainingAttacherWhenTheNewestLeaves() {
    try (Fixture f = new Fixture(TestShells.interactive().build())) {
      ShellPeer a = f.open(principal("alice"));
      a.init("t", 80, 24);
      a.expectInit("t", 80, 24);
      ShellPeer b = f.open(principal("alice"));
      b.init("t", 132, 50);
      b.expectInit("t", 132, 50);
      b.input("t", "stty size\n");
      b.awaitOutput("50 132");
      b.connection.closeFromPeer(CloseCodes.NORMAL, "bye");
      await().atMost(Duration.ofSeconds(10)).until(() -> f.endpoint.stats().connections() == 1);
      a.input("t", "stty size\n");
      a.awaitOutput("24 80");
      // a resize makes that connection's size the newest; when it leaves the other one's returns
      ShellPeer c = f.open(principal("alice"));
      c.init("t", 100, 30);
      c.expectInit("t", 100, 30);
      a.send("shell:t", "resize", Map.of("cols", 90, "rows", 20));
      c.input("t", "stty size\n");
      c.awaitOutput("20 90");
      a.connection.closeFromPeer(CloseCodes.NORMAL, "bye");
      await().atMost(Duration.ofSeconds(10)).until(() -> f.endpoint.stats().connections() == 1);
      c.input("t", "stty size; echo si''zed\n");
      c.awaitOutput("sized");
      assertThat(c.output.toString()).contains("30 100\r\nsized");
    }
  }
}
