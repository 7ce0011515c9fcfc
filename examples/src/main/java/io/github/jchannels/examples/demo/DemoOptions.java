package io.github.jchannels.examples.demo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The demo's command-line flags, with their defaults.
 *
 * @param host the interface both servers bind to (loopback by default: the demo token is public)
 * @param port the HTTP port of the page, the static files and the inspector (0: any free port)
 * @param wsPort the WebSocket port of {@code /ws} and {@code /shell} (default: {@code port + 1},
 *     or any free port when {@code port} is 0)
 * @param token the bearer token every client must present
 * @param shell whether {@code /shell} (a real terminal on this machine) is enabled for the token
 * @param origins the browser origins allowed to open a WebSocket; empty: the page's own origins
 * @param wordDelay the fake agent's pause between two streamed words
 */
public record DemoOptions(String host, int port, int wsPort, String token, boolean shell,
    List<String> origins, Duration wordDelay) {

  /** The default demo token, also written in the README. */
  public static final String DEFAULT_TOKEN = "demo-token";

  /** Validates. */
  public DemoOptions {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(token, "token");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("--port must be in [0, 65535]: " + port);
    }
    if (wsPort < 0 || wsPort > 65535) {
      throw new IllegalArgumentException("--ws-port must be in [0, 65535]: " + wsPort);
    }
    if (token.isBlank()) {
      throw new IllegalArgumentException("--token must not be blank");
    }
    origins = List.copyOf(origins);
  }

  /** The defaults: 127.0.0.1, ports 8080 and 8081, {@value #DEFAULT_TOKEN}, no shell. */
  public static DemoOptions defaults() {
    return new DemoOptions("127.0.0.1", 8080, 8081, DEFAULT_TOKEN, false, List.of(),
        Duration.ofMillis(120));
  }

  /** The same options on free ports, for tests. */
  public DemoOptions onFreePorts() {
    return new DemoOptions(host, 0, 0, token, shell, origins, wordDelay);
  }

  /** The same options with the terminal enabled or not. */
  public DemoOptions withShell(boolean enabled) {
    return new DemoOptions(host, port, wsPort, token, enabled, origins, wordDelay);
  }

  /** The same options with another pause between streamed words. */
  public DemoOptions withWordDelay(Duration delay) {
    return new DemoOptions(host, port, wsPort, token, shell, origins, delay);
  }

  /** Usage text for {@code --help}. */
  public static String usage() {
    return """
        Usage: java -jar examples/target/channels-demo.jar [options]
          --port N          HTTP port of the page and the inspector (default 8080; 0 = any free port)
          --ws-port N       WebSocket port of /ws and /shell (default: port + 1)
          --host H          interface to bind (default 127.0.0.1)
          --token T         bearer token clients must present (default demo-token)
          --shell           enable the terminal (/shell) for that token: a real shell on this machine
          --origin O[,O..]  allowed browser origins (default: the page's own, http://localhost:PORT
                            and http://127.0.0.1:PORT); repeatable
          --word-delay MS   pause between streamed words (default 120)
          --help            this text
        Subcommand: java -jar channels-demo.jar chat [--url ws://127.0.0.1:8081/ws] [--token T]
                    [--session demo] MESSAGE...   (the Java CLI client)
        """;
  }

  /** Parses flags; throws {@link IllegalArgumentException} naming the bad flag. */
  public static DemoOptions parse(String... args) {
    DemoOptions d = defaults();
    String host = d.host();
    int port = d.port();
    Integer wsPort = null;
    String token = d.token();
    boolean shell = false;
    List<String> origins = new ArrayList<>();
    Duration wordDelay = d.wordDelay();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String value = null;
      int eq = a.indexOf('=');
      if (a.startsWith("--") && eq > 0) {
        value = a.substring(eq + 1);
        a = a.substring(0, eq);
      }
      switch (a) {
        case "--port" -> port = parseInt(a, value != null ? value : next(args, ++i, a));
        case "--ws-port" -> wsPort = parseInt(a, value != null ? value : next(args, ++i, a));
        case "--host" -> host = value != null ? value : next(args, ++i, a);
        case "--token" -> token = value != null ? value : next(args, ++i, a);
        case "--shell" -> shell = true;
        case "--origin" -> {
          for (String o : (value != null ? value : next(args, ++i, a)).split(",")) {
            if (!o.isBlank()) {
              origins.add(o.strip());
            }
          }
        }
        case "--word-delay" -> wordDelay = Duration.ofMillis(
            parseInt(a, value != null ? value : next(args, ++i, a)));
        default -> throw new IllegalArgumentException("unknown option '" + args[i] + "'");
      }
    }
    int ws = wsPort != null ? wsPort : (port == 0 ? 0 : port + 1);
    return new DemoOptions(host, port, ws, token, shell, origins, wordDelay);
  }

  private static String next(String[] args, int i, String flag) {
    if (i >= args.length) {
      throw new IllegalArgumentException(flag + " needs a value");
    }
    return args[i];
  }

  private static int parseInt(String flag, String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " needs a number: '" + value + "'");
    }
  }
}
