package io.github.jchannels.examples.demo;

import io.github.jchannels.examples.cli.ChatCli;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;

/**
 * Starts the demo and prints its URL; {@code chat ...} runs the Java CLI client instead.
 *
 * <pre>
 *   java -jar examples/target/channels-demo.jar [--port 8080] [--token demo-token] [--shell]
 *   java -jar examples/target/channels-demo.jar chat --session demo "hello there"
 * </pre>
 */
public final class DemoMain {
  private DemoMain() {}

  /** Entry point. */
  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("chat")) {
      System.exit(ChatCli.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
    }
    if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
      System.out.print(DemoOptions.usage());
      return;
    }
    DemoOptions options;
    try {
      options = DemoOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.print(DemoOptions.usage());
      System.exit(2);
      return;
    }
    DemoApp app = DemoApp.start(options);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      app.close();
      stopped.countDown();
    }, "demo-shutdown"));
    banner(System.out, app, options);
    stopped.await();
  }

  private static void banner(PrintStream out, DemoApp app, DemoOptions options) {
    out.println();
    out.println("channels demo is running");
    out.println("  open       " + app.pageUrl());
    out.println("  WebSocket  " + app.wsUrl() + (options.shell() ? "  (+ /shell)" : ""));
    out.println("  inspector  " + app.httpBase() + "/api/inspector?token=" + options.token());
    out.println("  CLI        examples/demo.sh chat --url "
        + app.wsUrl() + " --token " + options.token() + " --session demo \"hello there\"");
    if (options.shell()) {
      out.println("  terminal   ON: anyone with the token gets a shell on this machine as "
          + System.getProperty("user.name"));
      if (options.token().equals(DemoOptions.DEFAULT_TOKEN)) {
        out.println("  warning    the default token is public; pass --token with a secret one");
      }
    }
    if (options.redis() != null) {
      out.println("  broker     Redis " + options.redis() + ": sessions are shared with every"
          + " demo process on it");
    }
    out.println("Press Ctrl+C to stop.");
    out.flush();
  }
}
