package io.github.jchannels.typescript;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Codec;
import io.github.jchannels.core.EventRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generated code itself: it compiles under {@code tsc --strict}, and its guards accept
 * what the Java codec writes and refuse what breaks the records' rules. Also: the fixture
 * that channels-browser's tests use is exactly the generator's output, and the command line.
 */
class GeneratedCodeTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path FIXTURE = Node.REPO.resolve("channels-browser/test/fixtures/generated");

  @TempDir
  Path tmp;

  @Test
  void channelsBrowserFixtureIsTheGeneratorsOutputForTheBuiltInFamilies() throws Exception {
    SortedMap<String, String> files = TypeScriptGenerator.builder()
        .registry(EventRegistry.defaults()).schemas(false).build().files();
    if (Boolean.getBoolean("channels.fixtures.update")) {
      TypeScriptGenerator.builder().registry(EventRegistry.defaults()).schemas(false).build()
          .writeTo(FIXTURE);
    }
    for (Map.Entry<String, String> e : files.entrySet()) {
      assertThat(Files.readString(FIXTURE.resolve(e.getKey())))
          .as("%s is stale: regenerate with -Dchannels.fixtures.update=true", e.getKey())
          .isEqualTo(e.getValue());
    }
    try (Stream<Path> listing = Files.list(FIXTURE)) {
      assertThat(listing.map(p -> p.getFileName().toString()).sorted().toList())
          .containsExactlyElementsOf(files.keySet());
    }
  }

  @Test
  void theCommandLineWritesTheFilesAndReportsProblems() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Path dir = tmp.resolve("cli");
    int status = GenerateTypeScript.run(new String[] {"--out", dir.toString(), "--family",
        "io.github.jchannels.core.Channels#SESSION", "--family", KitchenEvent.class.getName()},
        print(out), print(err));
    assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains(
        "families global, session, kitchen-sink");
    assertThat(dir.resolve("types.ts")).exists();
    assertThat(dir.resolve("schemas/kitchen-sink/all.schema.json")).exists();

    assertThat(GenerateTypeScript.run(new String[] {"--out", dir.toString(), "--registry",
        GeneratedCodeTest.class.getName() + "#registry"}, print(out), print(err))).isZero();

    err.reset();
    assertThat(GenerateTypeScript.run(new String[] {"--out", dir.toString(), "--family",
        BadEvents.Time.class.getName()}, print(out), print(err))).isEqualTo(1);
    // style: names in text, next 2 lines
    assertThat(err.toString(StandardCharsets.UTF_8)).contains(
        "BadEvents.Time.At.when: java.time.Instant");

    err.reset();
    assertThat(GenerateTypeScript.run(new String[] {"--family", "no.such.Class"}, print(out),
        print(err))).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains(
        "class no.such.Class is not on the class path");
    err.reset();
    assertThat(GenerateTypeScript.run(new String[] {"--defaults"}, print(out), print(err)))
        .isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--out DIR is required");
  }

  /** Used by the command-line test's {@code --registry}. */
  public static EventRegistry registry() {
    return EventRegistry.builder().withDefaults().add(KitchenEvent.FAMILY).build();
  }

  private static PrintStream print(ByteArrayOutputStream b) {
    return new PrintStream(b, true, StandardCharsets.UTF_8);
  }

  @Test
  void generatedCodeCompilesStrictlyAndItsGuardsFollowTheJavaCodec() throws Exception {
    Node.require();
    Path gen = tmp.resolve("gen");
    TypeScriptGenerator.builder().registry(registry()).build().writeTo(gen);
    Files.writeString(tmp.resolve("package.json"), "{\"type\":\"module\"}\n");
    Node.Result compiled = Node.tsc(tmp, "--strict", "--noUnusedLocals", "--target", "ES2022",
        "--module", "NodeNext", "--moduleResolution", "NodeNext",
        "--declaration", "--outDir", "out", "gen/index.ts");
    assertThat(compiled.status()).as(compiled.output()).isZero();

    Codec codec = Codec.forServer(registry());
    Channel<KitchenEvent> channel = KitchenEvent.FAMILY.channel("a:b");
    KitchenEvent.All all = new KitchenEvent.All("s", 'c', new UUID(1, 2), true, false,
        (byte) -1, (short) 300, 70000, 1L << 40, null, 1.5f, 2.25, BigInteger.TEN,
        new BigDecimal("0.1"), KitchenEvent.Color.GREEN,
        new KitchenEvent.Point(1, new KitchenEvent.Point(2, null)), List.of("x"), Set.of(3),
        List.of(new KitchenEvent.Point(0, null)), new String[] {"y"}, Map.of("k", 5L),
        Arrays.asList("z", null), JSON.readTree("{\"free\":[1,\"two\"]}"), null,
        "original");
    String good = codec.encode(channel, all).text();
    String both = codec.encode(channel, new KitchenEvent.Both(List.of(KitchenEvent.Color.RED)))
        .text();
    Map<String, Object> cases = new LinkedHashMap<>();
    cases.put("java all", JSON.readTree(good));
    cases.put("java both", JSON.readTree(both));
    cases.put("missing", edit(good, "/data", "remove:s"));
    cases.put("enum", edit(good, "/data", "color=\"GREEN\""));
    cases.put("range", edit(good, "/data", "by=128"));
    cases.put("fraction", edit(good, "/data", "i=1.5"));
    cases.put("nested", edit(good, "/data/point", "x=\"1\""));
    cases.put("null in list", edit(good, "/data", "list=[null]"));
    cases.put("client-only", JSON.readTree(
        "{\"channel\":\"kitchen-sink:a\",\"type\":\"empty.one\",\"data\":{}}"));
    Files.writeString(tmp.resolve("check.mjs"), """
        import { serverMessageProblem, clientMessageProblem, isKitchenSinkServerEvent,
          resolveChannel, Channels, KitchenSinkEventTypes } from './out/index.js';
        const cases = JSON.parse(process.argv[2]);
        for (const [name, frame] of Object.entries(cases)) {
          console.log(`${name} => ${serverMessageProblem(frame) ?? 'ok'}`);
        }
        console.log(`client empty => ${clientMessageProblem(cases['client-only']) ?? 'ok'}`);
        console.log(`narrowing => ${isKitchenSinkServerEvent(cases['java all'])
          && cases['java all'].type === KitchenSinkEventTypes.ALL}`);
        console.log(`builder => ${Channels.kitchenSink('a:b')}`);
        try { Channels.kitchenSink('a:b:c'); }
        catch (e) { console.log(`builder error => ${e.message}`); }
        console.log(`resolve => ${JSON.stringify(resolveChannel('kitchen-sink:x'))}`);
        console.log(`resolve bad => ${JSON.stringify(resolveChannel('nope:x'))}`);
        """);
    Node.Result r = Node.run(tmp, List.of("node", "check.mjs", JSON.writeValueAsString(cases)));
    assertThat(r.status()).as(r.output()).isZero();
    assertThat(r.output()).contains(
        "java all => ok",
        "java both => ok",
        "missing => data.s is required",
        "enum => data.color must be one of RED, dark-green",
        "range => data.by must be in [-128, 127]",
        "fraction => data.i must be an integer",
        "nested => data.point.x must be an integer",
        "null in list => data.list[0] must be a string",
        "client-only => 'empty.one' is not sent by servers",
        "client empty => ok",
        "narrowing => true",
        "builder => kitchen-sink:a:b",
        "builder error => invalid channel id for 'kitchen-sink': 'kitchen-sink' channel ids have"
            + " at most 2 segments",
        "resolve => {\"known\":true,\"family\":\"kitchen-sink\",\"id\":\"x\","
            + "\"channel\":\"kitchen-sink:x\"}",
        "resolve bad => {\"known\":false,\"reason\":\"no family 'nope'\"}");
  }

  /** {@code frame} with one change at {@code at}: {@code remove:name} or {@code name=json}. */
  private static Object edit(String frame, String at, String change) throws Exception {
    JsonNode root = JSON.readTree(frame);
    ObjectNode node = (ObjectNode) root.at(at);
    if (change.startsWith("remove:")) {
      node.remove(change.substring(7));
    } else {
      int eq = change.indexOf('=');
      node.set(change.substring(0, eq), JSON.readTree(change.substring(eq + 1)));
    }
    return root;
  }
}
