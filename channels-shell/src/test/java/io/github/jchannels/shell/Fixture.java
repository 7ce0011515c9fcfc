package io.github.jchannels.shell;

import io.github.jchannels.core.memory.InMemoryTransport;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Principal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/** An endpoint on the in-memory transport that authenticates as the principal of each open. */
final class Fixture implements AutoCloseable {
  final ShellEndpoint endpoint;
  final InMemoryTransport transport;

  Fixture(ShellConfig config, Consumer<ShellEndpoint.Builder> customize) {
    ShellEndpoint.Builder b = ShellEndpoint.builder()
        .authenticator(h -> Optional.of(() -> "unused"))
        .authorizer((p, id) -> true)
        .config(config);
    customize.accept(b);
    endpoint = b.build();
    transport = new InMemoryTransport(endpoint.handler());
  }

  Fixture(ShellConfig config) {
    this(config, b -> {});
  }

  ShellPeer open(Principal p) {
    return new ShellPeer(transport.open(p));
  }

  ShellPeer openAnonymous() {
    return new ShellPeer(transport.open());
  }

  static Principal principal(String name) {
    return () -> name;
  }

  /** Pids whose command line contains {@code marker} (read from /proc). */
  static List<Long> pidsWith(String marker) {
    List<Long> pids = new ArrayList<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(Path.of("/proc"))) {
      for (Path d : dirs) {
        String name = d.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        try {
          String cmd = new String(Files.readAllBytes(d.resolve("cmdline")),
              StandardCharsets.UTF_8).replace('\0', ' ');
          String state = Files.readString(d.resolve("stat"));
          boolean zombie = state.substring(state.lastIndexOf(')') + 2).startsWith("Z");
          if (cmd.contains(marker) && !zombie) {
            pids.add(Long.parseLong(name));
          }
        } catch (Exception e) {
          // gone meanwhile
        }
      }
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    return pids;
  }

  @Override
  public void close() {
    transport.close();
    endpoint.close();
  }
}
