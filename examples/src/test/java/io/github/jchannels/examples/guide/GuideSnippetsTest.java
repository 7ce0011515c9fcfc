package io.github.jchannels.examples.guide;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Keeps the Java in the docs honest: every {@code ```java} block of {@code docs/guide.md} must
 * be preceded by {@code <!-- sample: path#tag -->} and be exactly the text between
 * {@code // tag::tag[]} and {@code // end::tag[]} in that file (which the build compiles),
 * give or take the common indentation.
 */
class GuideSnippetsTest {
  private static final Path EXAMPLES =
      Path.of(System.getProperty("channels.examples.dir", ".")).toAbsolutePath();
  private static final Path ROOT = EXAMPLES.getParent();
  private static final Pattern BLOCK = Pattern.compile(
      "(<!-- sample: (?<path>[^#\\s]+)#(?<tag>[\\w-]+) -->\\s*\\n)?```java\\n(?<code>.*?)```",
      Pattern.DOTALL);

  @Test
  void everyJavaBlockOfTheGuideIsACompiledSample() throws IOException {
    assertThat(check("docs/guide.md")).isGreaterThanOrEqualTo(8);
  }

  @Test
  void everyJavaBlockOfTheReadmeIsACompiledSample() throws IOException {
    assertThat(check("README.md")).isEqualTo(3);
  }

  /** Checks every java block of {@code doc}; returns how many were checked. */
  private static int check(String doc) throws IOException {
    String guide = Files.readString(ROOT.resolve(doc));
    Matcher m = BLOCK.matcher(guide);
    List<String> problems = new ArrayList<>();
    int checked = 0;
    while (m.find()) {
      String code = m.group("code");
      if (m.group("path") == null) {
        problems.add("a ```java block without a sample marker: "
            + code.lines().findFirst().orElse(""));
        continue;
      }
      Path source = ROOT.resolve(m.group("path"));
      if (!Files.exists(source)) {
        problems.add("no such sample file " + source);
        continue;
      }
      String region = region(Files.readString(source), m.group("tag"));
      if (region == null) {
        problems.add("no tag " + m.group("tag") + " in " + m.group("path"));
      } else if (!dedent(region).equals(dedent(code))) {
        problems.add("sample " + m.group("path") + "#" + m.group("tag")
            + " differs from the guide. The code says:\n" + dedent(region));
      }
      checked++;
    }
    assertThat(problems).as(doc).isEmpty();
    return checked;
  }

  private static String region(String source, String tag) {
    String start = "// tag::" + tag + "[]";
    String end = "// end::" + tag + "[]";
    int s = source.indexOf(start);
    int e = source.indexOf(end);
    if (s < 0 || e < s) {
      return null;
    }
    String inner = source.substring(source.indexOf('\n', s) + 1, e);
    return inner.substring(0, inner.lastIndexOf('\n') + 1);
  }

  static String dedent(String text) {
    List<String> lines = text.strip().isEmpty() ? List.of() : text.stripTrailing().lines()
        .dropWhile(String::isBlank).toList();
    int indent = lines.stream().filter(l -> !l.isBlank())
        .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
    return lines.stream().map(l -> l.isBlank() ? "" : l.substring(indent).stripTrailing())
        .collect(Collectors.joining("\n"));
  }
}
