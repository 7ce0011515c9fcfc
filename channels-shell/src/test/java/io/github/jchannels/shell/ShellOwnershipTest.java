package io.github.jchannels.shell;

import static io.github.jchannels.shell.Fixture.principal;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.security.Principal;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A shell belongs to the principal that started it (issue 17, part 1). */
@Timeout(60)
class ShellOwnershipTest {
  private static final Principal BOB = principal("bob");
  private static final Principal BOB_OPS = principal("bob-ops");

  private static String error(JsonNode n) {
    return n.path("data").path("error").asText();
  }

  @Test
  void theOwnerNamedAuthorizerComparesNamesExactly() throws Exception {
    ShellAuthorizer a = ShellAuthorizer.ownerNamed();
    assertThat(a.allow(BOB, "bob@1")).isTrue();
    assertThat(a.allow(BOB, "bob-ops@1")).isFalse();
    assertThat(a.allow(BOB, "bob-1")).isFalse();
    assertThat(a.allow(BOB, "bob@ops@1")).isFalse();
    assertThat(a.allow(BOB_OPS, "bob-ops@1")).isTrue();
    assertThat(a.allow(BOB_OPS, "bob@1")).isFalse();
    assertThat(a.allow(null, "bob@1")).isFalse();
    assertThat(a.allow(BOB, "bob@")).isFalse();
  }

  @Test
  void bobCannotUseTheShellOfBobOps() {
    try (Fixture f = new Fixture(TestShells.interactive().build(),
        b -> b.authorizer(ShellAuthorizer.ownerNamed()))) {
      ShellPeer ops = f.open(BOB_OPS);
      ops.init("bob-ops@1", 80, 24);
      ops.expectInit("bob-ops@1", 80, 24);
      ShellPeer bob = f.open(BOB);
      bob.init("bob-ops@1", 80, 24);
      assertThat(error(bob.until("error"))).isEqualTo("unauthorized");
      bob.init("bob@1", 80, 24);
      bob.expectInit("bob@1", 80, 24);
    }
  }

  @Test
  void aRunningShellTakesOnlyItsOwnerWhateverTheAuthorizerAllows() {
    // the authorizer allows every id to everyone: ownership still holds
    try (Fixture f = new Fixture(TestShells.interactive().build())) {
      ShellPeer ops = f.open(BOB_OPS);
      ops.init("ops", 80, 24);
      ops.expectInit("ops", 80, 24);
      ops.input("ops", "echo on''the-screen\n");
      ops.awaitOutput("onthe-screen");
      long pid = f.endpoint.pid("ops").orElseThrow();
      ShellPeer bob = f.open(BOB);
      bob.send("shell:ops", "init", Map.of("cols", 80, "rows", 24), "j1");
      JsonNode reply = bob.next();
      assertThat(reply.path("data").path("status").asText()).isEqualTo("error");
      assertThat(error(bob.next())).isEqualTo("unauthorized");
      bob.input("ops", "echo typed-by-bob\n");
      assertThat(error(bob.next())).isEqualTo("not_subscribed");
      assertThat(bob.connection.texts()).noneMatch(t -> t.contains("onthe-screen"));
      assertThat(f.endpoint.pid("ops")).hasValue(pid);
      assertThat(f.endpoint.stats().shellsStarted()).isEqualTo(1);
      // the owner attaches from a second connection
      ShellPeer ops2 = f.open(BOB_OPS);
      ops2.init("ops", 80, 24);
      ops2.expectInit("ops", 80, 24);
      ops2.awaitOutput("onthe-screen");
    }
  }

  @Test
  void aSharingPolicyGrantsAnAttachExplicitly() {
    try (Fixture f = new Fixture(TestShells.interactive().build(), b -> b.sharing(
        (p, owner, id) -> p != null && p.getName().equals("bob") && "bob-ops".equals(owner)))) {
      ShellPeer ops = f.open(BOB_OPS);
      ops.init("pair", 80, 24);
      ops.expectInit("pair", 80, 24);
      ShellPeer bob = f.open(BOB);
      bob.init("pair", 80, 24);
      bob.expectInit("pair", 80, 24);
      bob.input("pair", "echo sha''red\n");
      ops.awaitOutput("shared");
      ShellPeer eve = f.open(principal("eve"));
      eve.init("pair", 80, 24);
      assertThat(error(eve.until("error"))).isEqualTo("unauthorized");
    }
  }

  @Test
  void aShellOfAnAnonymousConnectionIsNotSharedWithOtherAnonymousOnes() {
    try (Fixture f = new Fixture(TestShells.interactive().build())) {
      ShellPeer first = f.openAnonymous();
      first.init("anon", 80, 24);
      first.expectInit("anon", 80, 24);
      ShellPeer second = f.openAnonymous();
      second.init("anon", 80, 24);
      assertThat(error(second.until("error"))).isEqualTo("unauthorized");
    }
  }
}
