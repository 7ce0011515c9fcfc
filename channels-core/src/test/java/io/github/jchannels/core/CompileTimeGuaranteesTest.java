package io.github.jchannels.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.File;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proves with the in-process compiler what the type system promises: exhaustive switches over
 * a sealed family, and channels that only accept their own family's events.
 */
class CompileTimeGuaranteesTest {
  @TempDir Path out;

  private static final String INCOMPLETE_SWITCH = """
      import io.github.jchannels.core.*;
      class Handler {
        String describe(SessionEvent.ToClient e) {
          return switch (e) {
            case SessionEvent.StreamOutput o -> "output";
            case SessionEvent.MessageComplete c -> "complete";
            case SessionEvent.SessionError x -> "error";
            case SessionEvent.SubscribeSuccess s -> "welcome";
            case SessionEvent.ProgressUpdate p -> "progress";
            %s
          };
        }
      }
      """;

  @Test
  void aSwitchOverSessionEventsMissingACaseDoesNotCompile() {
    Result r = compile("Handler", INCOMPLETE_SWITCH.formatted(""));
    assertThat(r.success).isFalse();
    assertThat(r.errors).contains("switch expression does not cover all possible input values");
  }

  @Test
  void theSameSwitchCompilesOnceComplete() {
    Result r = compile("Handler",
        INCOMPLETE_SWITCH.formatted("case SessionEvent.TypingIndicator t -> \"typing\";"));
    assertThat(r.success).as(r.errors).isTrue();
  }

  @Test
  void aClientSideSwitchCannotMentionClientOnlyEvents() {
    // SendMessage only travels client→server, so ToClient switches never mention it.
    Result r = compile("Handler", INCOMPLETE_SWITCH.formatted(
        "case SessionEvent.TypingIndicator t -> \"typing\"; case SessionEvent.SendMessage m -> \"x"
            + "\";"));
    assertThat(r.success).isFalse();
  }

  private static final String PUBLISH = """
      import io.github.jchannels.core.*;
      class Publish {
        <E extends Event> void broadcast(Channel<E> channel, E event) {}
        void run() {
          broadcast(Channels.session("1"), %s);
        }
      }
      """;

  @Test
  void aShellEventOnASessionChannelDoesNotCompile() {
    Result r = compile("Publish", PUBLISH.formatted("new ShellEvent.Output(\"ls\")"));
    assertThat(r.success).isFalse();
    assertThat(r.errors).containsAnyOf("incompatible", "cannot be applied", "inference");
  }

  @Test
  void aSessionEventOnASessionChannelCompiles() {
    Result r =
        compile("Publish", PUBLISH.formatted("new SessionEvent.StreamOutput(\"1\", \"hi\", 1L)"));
    assertThat(r.success).as(r.errors).isTrue();
  }

  @Test
  void theEventBusOnlyAcceptsHandlersOfTheChannelsFamily() {
    String src = """
        import io.github.jchannels.core.*;
        class Bus {
          void run(EventBus bus) {
            bus.on(Channels.session("1"), (ShellEvent e) -> {});
          }
        }
        """;
    assertThat(compile("Bus", src).success).isFalse();
  }

  private record Result(boolean success, String errors) {}

  private Result compile(String className, String source) {
    JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    JavaFileObject file = new SimpleJavaFileObject(
        URI.create("string:///" + className + ".java"), JavaFileObject.Kind.SOURCE) {
      @Override
      public CharSequence getCharContent(boolean ignoreEncodingErrors) {
        return source;
      }
    };
    List<String> options = List.of("--release", "21", "-proc:none", "-d", out.toString(),
        "-classpath", classpath());
    boolean ok = compiler.getTask(null, null, diagnostics, options, null, List.of(file)).call();
    String errors = diagnostics.getDiagnostics().stream()
        .map(d -> d.getMessage(null)).collect(Collectors.joining("\n"));
    return new Result(ok, errors);
  }

  /** Surefire may hide the class path in a manifest jar, so name the jars we need directly. */
  private static String classpath() {
    return Stream.of(Channels.class, JsonProperty.class, Nullable.class)
        .map(c -> {
          try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI())
                .toString();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        })
        .collect(Collectors.joining(File.pathSeparator));
  }
}
