package io.github.jchannels.shell;

import io.github.jchannels.core.memory.InMemoryTransport;
import java.util.Optional;

/**
 * A JVM that starts a shell with a daemonised job and exits without closing the endpoint
 * (ShellShutdownHookTest). Args: the marker of the job, the containment.
 */
public final class ShutdownHookChild {
  private ShutdownHookChild() {}

  public static void main(String[] args) {
    String marker = args[0];
    ShellEndpoint endpoint = ShellEndpoint.builder()
        .authenticator(h -> Optional.of(() -> "alice"))
        .authorizer((p, id) -> true)
        .config(TestShells.interactive()
            .containment(ShellConfig.Containment.valueOf(args[1])).build())
        .build();
    InMemoryTransport t = new InMemoryTransport(endpoint.handler());
    ShellPeer p = new ShellPeer(t.open(() -> "alice"));
    p.init("t", 80, 24);
    p.expectInit("t", 80, 24);
    p.input("t", "setsid -f sleep " + marker + "; nohup sleep " + marker
        + ".5 >/dev/null 2>&1 & echo STA''RTED\n");
    p.awaitOutput("STARTED");
    while (Fixture.pidsWith(marker).size() < 2) {
      Thread.onSpinWait();
    }
    System.out.println("RUNNING " + Fixture.pidsWith(marker));
    System.out.flush();
    System.exit(0); // no endpoint.close(): the shutdown hook must clean up
  }
}
