package io.github.jchannels.examples.demo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The demo's command-line flags, with their defaults.
 *
 * @param host the interface the demo binds to (loopback by default: the demo token is public)
 * @param port the port of the page, the static files, the inspector and, on the default
 *     transport, of {@code /ws} and {@code /shell} too (0: any free port)
 * @param wsPort with {@code --transport jws} only: the WebSocket port of {@code /ws} and
 *     {@code /shell} (default: {@code port + 1}, or any free port when {@code port} is 0); on
 *     the default transport it equals {@code port}
 * @param token the bearer token every client must present
 * @param shell whether {@code /shell} (a real terminal on this machine) is enabled for the token
 * @param origins the browser origins allowed to open a WebSocket; empty: the page's own origins
 * @param wordDelay the fake agent's pause between two streamed words
 * @param transport where the WebSocket endpoints run
 * @param redis the Redis URI ({@code redis://host:port}) of a broker shared with other demo
 *     processes, so that they behave as one server (docs/scale-out.md); null: one process,
 *     in-memory history
 */
public record DemoOptions(String host, int port, int wsPort, String token, boolean shell,
    List<String> origins, Duration wordDelay, Transport transport, @Nullable String redis) {

  /** Where the WebSocket endpoints run. */
  public enum Transport {
    /** channels-jakarta in embedded Jetty, on the page's own port (the default). */
    JAKARTA,
    /** Java-WebSocket on a port of its own, the page on the JDK's HTTP server. */
    JWS
  }

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
    Objects.requireNonNull(transport, "transport");
    if (transport == Transport.JAKARTA) {
      wsPort = port;
    }
    origins = List.copyOf(origins);
    if (redis != null && !redis.startsWith("redis://") && !redis.startsWith("rediss://")
        && !redis.startsWith("redis-sentinel://")) {
      throw new IllegalArgumentException("--redis needs a redis://host:port URI: '" + redis
          + "'");
    }
  }

  /**
   * The defaults: 127.0.0.1, port 8080 for everything (Jakarta transport in Jetty),
   * {@value #DEFAULT_TOKEN}, no shell.
   */
  public static DemoOptions defaults() {
    return new DemoOptions("127.0.0.1", 8080, 8080, DEFAULT_TOKEN, false, List.of(),
        Duration.ofMillis(120), Transport.JAKARTA, null);
  }

  /** The same options on free ports, for tests. */
  public DemoOptions onFreePorts() {
    return new DemoOptions(host, 0, 0, token, shell, origins, wordDelay, transport, redis);
  }

  /** The same options with the terminal enabled or not. */
  public DemoOptions withShell(boolean enabled) {
    return new DemoOptions(host, port, wsPort, token, enabled, origins, wordDelay, transport,
        redis);
  }

  /** The same options with another pause between streamed words. */
  public DemoOptions withWordDelay(Duration delay) {
    return new DemoOptions(host, port, wsPort, token, shell, origins, delay, transport, redis);
  }

  /**
   * The same options on another transport ({@code JWS}: the WebSocket port becomes
   * {@code port + 1}, or any free port with port 0).
   */
  public DemoOptions withTransport(Transport t) {
    int ws = t == Transport.JAKARTA ? port : (port == 0 ? 0 : port + 1);
    return new DemoOptions(host, port, ws, token, shell, origins, wordDelay, t, redis);
  }

  /** The same options on a Redis broker shared with other demo processes (null: none). */
  public DemoOptions withRedis(@Nullable String uri) {
    return new DemoOptions(host, port, wsPort, token, shell, origins, wordDelay, transport, uri);
  }

  /** Usage text for {@code --help}. */
  public static String usage() {
    return """
        Usage: java -jar examples/target/channels-demo.jar [options]
          --port N          the port of everything: the page, the inspector, /ws and /shell
                            (default 8080; 0 = any free port)
          --transport T     jakarta (default: channels-jakarta in embedded Jetty, one port) or
                            jws (Java-WebSocket on a port of its own, the page on the JDK's
                            HTTP server)
          --ws-port N       with --transport jws: the WebSocket port (default: port + 1)
          --host H          interface to bind (default 127.0.0.1)
          --token T         bearer token clients must present (default demo-token)
          --shell           enable the terminal (/shell) for that token: a real shell on this host
          --origin O[,O..]  allowed browser origins (default: the page's own, http://localhost:PORT
                            and http://127.0.0.1:PORT); repeatable
          --word-delay MS   pause between streamed words (default 120)
          --redis URI       share sessions (history, live events) with other demo processes
                            through this Redis, e.g. redis://127.0.0.1:6379 (default: none)
          --help            this text
        Subcommand: java -jar channels-demo.jar chat [--url ws://127.0.0.1:8080/ws] [--token T]
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
    Transport transport = d.transport();
    String redis = null;
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
        case "--transport" -> transport = parseTransport(value != null ? value
            : next(args, ++i, a));
        case "--origin" -> {
          for (String o : (value != null ? value : next(args, ++i, a)).split(",", -1)) {
            if (!o.isBlank()) {
              origins.add(o.strip());
            }
          }
        }
        case "--redis" -> redis = value != null ? value : next(args, ++i, a);
        case "--word-delay" -> wordDelay = Duration.ofMillis(
            parseInt(a, value != null ? value : next(args, ++i, a)));
        default -> throw new IllegalArgumentException("unknown option '" + args[i] + "'");
      }
    }
    if (wsPort != null && transport == Transport.JAKARTA) {
      throw new IllegalArgumentException("--ws-port needs --transport jws (the default "
          + "transport serves the WebSocket endpoints on --port)");
    }
    int ws = wsPort != null ? wsPort : (port == 0 ? 0 : port + 1);
    return new DemoOptions(host, port, ws, token, shell, origins, wordDelay, transport, redis);
  }

  private static Transport parseTransport(String value) {
    return switch (value) {
      case "jakarta" -> Transport.JAKARTA;
      case "jws" -> Transport.JWS;
      default -> throw new IllegalArgumentException("--transport must be jakarta or jws: '"
          + value + "'");
    };
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
