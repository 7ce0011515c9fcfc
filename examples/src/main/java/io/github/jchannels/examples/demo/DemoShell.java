package io.github.jchannels.examples.demo;

import io.github.jchannels.server.Authenticator;
import io.github.jchannels.shell.ShellConfig;
import io.github.jchannels.shell.ShellEndpoint;
import java.time.Duration;

/**
 * The demo's terminal: channels-shell's {@link ShellEndpoint} on {@code /shell} of the
 * WebSocket port, for the demo token only. It runs {@code bash -l} in the user's home
 * directory: whoever holds the token gets a shell on this machine, which is why it is off
 * unless {@code --shell} is given.
 */
final class DemoShell {
  static final String PATH = ShellEndpoint.DEFAULT_PATH;

  private DemoShell() {}

  static ShellEndpoint endpoint(Authenticator authenticator) {
    return ShellEndpoint.builder()
        .path(PATH)
        .authenticator(authenticator)
        // Any shell id for an authenticated user (the page picks a random one per tab): a
        // running shell takes only the principal that started it, compared by exact name
        // (ShellSharing.OWNER_ONLY, the default). With meaningful ids use an exact check such
        // as ShellAuthorizer.ownerNamed(), never a name prefix.
        .authorizer((principal, shellId) -> principal != null)
        .config(ShellConfig.builder()
            .command("bash", "-l")
            .maxShellsPerPrincipal(8)
            .idleTimeout(Duration.ofMinutes(30))
            // A page reload or a network drop gets the same shell back within 30 s.
            .reattachGrace(Duration.ofSeconds(30))
            .build())
        .build();
  }
}
