package io.github.jchannels.examples.page;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.Codec;
import io.github.jchannels.core.Decoded;
import io.github.jchannels.core.Event;
import io.github.jchannels.core.EventRegistry;
import io.github.jchannels.core.EventType;
import io.github.jchannels.core.Family;
import io.github.jchannels.core.GlobalEvent;
import io.github.jchannels.core.SessionEvent;
import io.github.jchannels.core.ShellEvent;
import io.github.jchannels.examples.guide.WorkflowEvent;
import io.github.jchannels.typescript.TypeScriptGenerator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * One source of truth, end to end: generates the TypeScript of the library's built-in families
 * and the guide's {@code workflow} family, compiles the demo page's TypeScript (and
 * {@code src/test/ts/roundtrip.ts}) against it with tsc, then round-trips one event of every
 * type. Java encodes each server event; the generated guard accepts it and narrows it in an
 * exhaustive switch. The package's {@code ChannelClient} sends one event of every client type
 * (a mapped type makes that list complete at compile time); the Java server codec decodes each
 * to the right record.
 *
 * <p>Needs node and {@code npm ci} in channels-browser and examples: skipped with the reason
 * locally without them, failed when {@code CI} is set.
 */
class TypeRoundTripTest {
  private static final Path EXAMPLES =
      Path.of(System.getProperty("channels.examples.dir", ".")).toAbsolutePath();
  private static final Path TSC = EXAMPLES.resolve("node_modules/typescript/bin/tsc");
  private static final Path PACKAGE =
      EXAMPLES.resolve("node_modules/@jchannels/channels-browser/dist/index.d.ts");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final EventRegistry registry =
      EventRegistry.builder().withDefaults().add(WorkflowEvent.FAMILY).build();

  @Test
  void everyEventTypeCrossesBetweenJavaAndTheGeneratedTypeScript() throws Exception {
    requireTools();
    Path work = EXAMPLES.resolve("target/roundtrip");
    deleteTree(work);
    Path page = work.resolve("page");
    Files.createDirectories(page);
    try (Stream<Path> sources = Files.list(EXAMPLES.resolve("src/main/ts"))) {
      for (Path p : sources.toList()) {
        Files.copy(p, page.resolve(p.getFileName()));
      }
    }
    Files.copy(EXAMPLES.resolve("src/test/ts/roundtrip.ts"), page.resolve("roundtrip.ts"));
    TypeScriptGenerator.builder().registry(registry).build().writeTo(page.resolve("generated"));
    Files.writeString(work.resolve("package.json"), "{\"type\":\"module\"}\n");
    Files.writeString(work.resolve("tsconfig.json"), """
        {
          "compilerOptions": {
            "target": "ES2022", "module": "ES2022", "moduleResolution": "Bundler",
            "lib": ["ES2022", "DOM", "DOM.Iterable"], "strict": true, "types": [],
            "rootDir": "page", "outDir": "out", "newLine": "lf"
          },
          "include": ["page/**/*.ts"]
        }
        """);
    Result tsc = run(work, "node", TSC.toString(), "-p", "tsconfig.json");
    assertThat(tsc.status()).as("tsc:%n%s", tsc.output()).isZero();

    Codec server = Codec.forServer(registry);
    List<String> frames = new ArrayList<>();
    Set<String> serverTypes = new TreeSet<>();
    for (Sample s : serverSamples()) {
      frames.add(encode(server, s.channel(), s.event()));
      serverTypes.add(s.channel().family().name() + " "
          + s.channel().family().type(s.event().getClass()).orElseThrow().wireName());
    }
    assertThat(serverTypes).as("one sample of every server type")
        .isEqualTo(types(registry, true));
    Files.writeString(work.resolve("frames.json"), JSON.writeValueAsString(frames));

    Result node = run(work, "node", "out/roundtrip.js", "frames.json");
    assertThat(node.status()).as("node:%n%s", node.output()).isZero();
    List<String> lines = node.output().lines().toList();
    assertThat(lines).filteredOn(l -> l.startsWith("REFUSE") || l.startsWith("ERROR")).isEmpty();
    assertThat(lines).contains(
        "ACCEPT global connected c1/30000",
        "ACCEPT global error not_subscribed/session:x",
        "ACCEPT session:s1 stream_output streamed words",
        "ACCEPT session:s1 progress_update 3/10/-",
        "ACCEPT session:s1 typing_indicator Ann/true",
        "ACCEPT shell:t1 init t1/80x24",
        "ACCEPT workflow:run:1 step_completed build/true/-",
        "ACCEPT workflow:run:1 run_finished succeeded");
    assertThat(lines).filteredOn(l -> l.startsWith("ACCEPT")).hasSize(frames.size());

    Set<String> clientTypes = new TreeSet<>();
    for (String line : lines) {
      if (!line.startsWith("SENT ")) {
        continue;
      }
      String text = line.substring(5);
      Decoded d = server.decode(text, channel -> true);
      String family;
      String wire;
      switch (d) {
        case Decoded.Control c -> {
          family = Channels.GLOBAL.name();
          wire = Channels.GLOBAL.type(c.event().getClass()).orElseThrow().wireName();
        }
        case Decoded.Message m -> {
          family = m.channel().family().name();
          wire = m.channel().family().type(m.event().getClass()).orElseThrow().wireName();
        }
        default -> {
          fail("the Java decoder refused " + text + ": " + d);
          return;
        }
      }
      assertThat(JSON.readTree(text).path("type").asText()).isEqualTo(wire);
      clientTypes.add(family + " " + wire);
    }
    assertThat(clientTypes).as("one sent event of every client type")
        .isEqualTo(types(registry, false));
  }

  /** "family type" of every type sent by servers ({@code fromServer}) or by clients. */
  private static Set<String> types(EventRegistry registry, boolean fromServer) {
    Set<String> out = new TreeSet<>();
    for (Family<?> f : registry.families()) {
      for (EventType<?> t : f.types()) {
        if (fromServer ? t.fromServer() : t.fromClient()) {
          out.add(f.name() + " " + t.wireName());
        }
      }
    }
    return out;
  }

  private record Sample(Channel<?> channel, Event event) {}

  private static List<Sample> serverSamples() {
    Channel<GlobalEvent> global = Channels.global();
    Channel<SessionEvent> session = Channels.session("s1");
    Channel<ShellEvent> shell = Channels.shell("t1");
    Channel<WorkflowEvent> run = WorkflowEvent.FAMILY.channel("run:1");
    return List.of(
        new Sample(global, new GlobalEvent.Connected("c1", 1700000000000L, 30000)),
        new Sample(global, new GlobalEvent.SubscriptionSuccess("session:s1")),
        new Sample(global, new GlobalEvent.SubscriptionError("session:x", "unauthorized", "no")),
        new Sample(global, new GlobalEvent.Unsubscribed("session:s1")),
        new Sample(global, new GlobalEvent.Pong(1700000000000L)),
        new Sample(global, new GlobalEvent.ProtocolError("not_subscribed", "join first",
            "session:x")),
        new Sample(session, new SessionEvent.StreamOutput("s1", "streamed words", 5)),
        new Sample(session, new SessionEvent.MessageComplete("s1", "m1")),
        new Sample(session, new SessionEvent.SessionError("s1", "agent failed")),
        new Sample(session, new SessionEvent.SubscribeSuccess("s1")),
        new Sample(session, new SessionEvent.ProgressUpdate("s1", 3, 10, null)),
        new Sample(session, new SessionEvent.TypingIndicator("s1", "u1", "Ann", true)),
        new Sample(shell, new ShellEvent.Init("t1", 80, 24)),
        new Sample(shell, new ShellEvent.Output("$ ")),
        new Sample(shell, new ShellEvent.Exit(0)),
        new Sample(shell, new ShellEvent.ShellError("limit_exceeded", "too many shells")),
        new Sample(run, new WorkflowEvent.StepStarted("run:1", "build", 0, 2)),
        new Sample(run, new WorkflowEvent.StepCompleted("run:1", "build", true, null)),
        new Sample(run, new WorkflowEvent.RunFinished("run:1", "succeeded")));
  }

  private static String encode(Codec codec, Channel<?> channel, Event event) {
    return encodeTyped(codec, channel, event);
  }

  private static <E extends Event> String encodeTyped(Codec codec, Channel<E> channel,
      Event event) {
    return codec.encode(channel, channel.family().cast(event).orElseThrow()).text();
  }

  private static void requireTools() {
    List<String> missing = new ArrayList<>();
    if (!Files.isRegularFile(TSC)) {
      missing.add("examples/node_modules/typescript (npm ci --prefix examples)");
    }
    if (!Files.isRegularFile(PACKAGE)) {
      missing.add("the built channels-browser package (npm ci --prefix channels-browser, then"
          + " the build)");
    }
    try {
      if (run(EXAMPLES, "node", "--version").status() != 0) {
        missing.add("node");
      }
    } catch (IOException e) {
      missing.add("node on the PATH");
    }
    if (missing.isEmpty()) {
      return;
    }
    String reason = "the type round trip needs " + String.join(", ", missing);
    if (System.getenv("CI") != null) {
      fail("CI is set, so this test may not be skipped: " + reason);
    }
    Assumptions.abort("SKIPPED: " + reason);
  }

  private record Result(int status, String output) {}

  private static Result run(Path dir, String... command) throws IOException {
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
        .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!p.waitFor(3, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        return new Result(-1, out + "\n(timed out)");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      return new Result(-1, out + "\n(interrupted)");
    }
    return new Result(p.exitValue(), out);
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
        Files.delete(p);
      }
    }
  }
}
