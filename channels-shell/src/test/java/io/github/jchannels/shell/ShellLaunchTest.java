package io.github.jchannels.shell;

import static io.github.jchannels.shell.Fixture.principal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The launch hook and the environment (issue 17, part 2). */
@Timeout(60)
class ShellLaunchTest {
  /** Set for the test JVM by surefire (pom.xml, environmentVariables). */
  static final String SECRET = "CHANNELS_SHELL_TEST_SECRET";

  private static String secret() {
    String v = System.getenv(SECRET);
    assertThat(v).as("surefire sets %s for this JVM", SECRET).isNotBlank();
    return v;
  }

  @Test
  void theDefaultEnvironmentIsTheAllowListAndNothingOfTheServers() {
    var env = ShellConfig.builder().build().environment();
    assertThat(env.keySet()).containsExactly("PATH", "HOME", "USER", "SHELL", "TERM", "LANG");
    assertThat(env).containsEntry("PATH", "/usr/local/bin:/usr/bin:/bin")
        .containsEntry("HOME", System.getProperty("user.home"))
        .containsEntry("USER", System.getProperty("user.name"))
        .containsEntry("TERM", "xterm-256color")
        .containsEntry("LANG", "C.UTF-8");
    assertThat(env.values()).doesNotContain(secret());
  }

  @Test
  void aSecretOfTheServerEnvironmentIsAbsentFromTheShellEnvironment() {
    String secret = secret();
    try (Fixture f = new Fixture(ShellConfig.builder()
        .command("bash", "--noprofile", "--norc", "-i").env("PS1", "$ ").build())) {
      ShellPeer p = f.open(principal("alice"));
      p.init("env", 200, 24);
      p.expectInit("env", 200, 24);
      // the environment the shell was started with, as the kernel holds it
      p.input("env", "tr '\\0' '\\n' < /proc/$$/environ | cut -d= -f1 | sort | tr '\\n' ' ';"
          + " echo; echo EN''D\n");
      p.awaitOutput("END");
      String out = p.output.toString();
      assertThat(out).doesNotContain(secret).doesNotContain(SECRET);
      String names = out.lines().filter(l -> l.contains("CHANNELS_SHELL_TAG")).findFirst()
          .orElseThrow();
      Set<String> got = new TreeSet<>(Arrays.asList(names.trim().split(" ")));
      // PWD: exported by /bin/sh, which moves the program into its cgroup before exec
      got.remove("PWD");
      assertThat(got).containsExactlyInAnyOrder("CHANNELS_SHELL_TAG", "HOME", "LANG", "PATH",
          "PS1", "SHELL", "TERM", "USER");
    }
  }

  @Test
  void aShellOfTheServersOwnAccountCanReadTheServerEnvironmentAsDocumented() {
    // docs/shell.md, Isolation: a same-account shell reads /proc/<server pid>/environ
    String secret = secret();
    try (Fixture f = new Fixture(TestShells.interactive().build())) {
      ShellPeer p = f.open(principal("alice"));
      p.init("same", 80, 24);
      p.expectInit("same", 80, 24);
      p.input("same", "tr '\\0' '\\n' < /proc/" + ProcessHandle.current().pid()
          + "/environ | grep -c " + SECRET + "=; echo EN''D\n");
      p.awaitOutput("END");
      assertThat(p.output.toString()).contains("1\r\n").contains(SECRET + "=")
          .doesNotContain(secret);
    }
  }

  @Test
  void aShellRunAsAnotherAccountCannotReadTheServerEnvironment() {
    boolean root = "root".equals(System.getProperty("user.name"));
    boolean setpriv = Files.isExecutable(Path.of("/usr/bin/setpriv"));
    if (!TestShells.ci()) {
      assumeTrue(root && setpriv, "needs a root test JVM and setpriv (util-linux)");
    }
    String secret = secret();
    try (Fixture f = new Fixture(TestShells.interactive().build(), b -> b.launcher(
        (user, id, defaults) -> defaults.toBuilder().runAs("nobody").directory(Path.of("/"))
            .build()))) {
      ShellPeer p = f.open(principal("alice"));
      p.init("as-nobody", 80, 24);
      p.expectInit("as-nobody", 80, 24);
      p.input("as-nobody", "id -un; echo HOME=$HOME; cat /proc/" + ProcessHandle.current().pid()
          + "/environ; echo rc=$?; echo EN''D\n");
      p.awaitOutput("END");
      String out = p.output.toString();
      assertThat(out).contains("nobody\r\n").contains("HOME=/nonexistent")
          .contains("Permission denied").contains("rc=1").doesNotContain(secret);
    }
  }

  @Test
  void theLauncherChoosesDirectoryAndEnvironmentPerPrincipal(@TempDir Path dir)
      throws Exception {
    Files.createDirectories(dir.resolve("alice"));
    Files.createDirectories(dir.resolve("bob"));
    try (Fixture f = new Fixture(TestShells.interactive().build(), b -> b.launcher(
        (user, id, defaults) -> defaults.toBuilder()
            .directory(dir.resolve(user.getName()))
            .env("WORKSPACE", user.getName() + "/" + id)
            .build()))) {
      for (String name : List.of("alice", "bob")) {
        ShellPeer p = f.open(principal(name));
        p.init(name + "@1", 80, 24);
        p.expectInit(name + "@1", 80, 24);
        p.input(name + "@1", "echo \"at $(pwd) ws=$WORKSPACE\"\n");
        p.awaitOutput("at " + dir.resolve(name).toRealPath() + " ws=" + name + "/" + name + "@1");
      }
    }
  }

  @Test
  void aFailingLauncherIsStartFailedAndStartsNothing() {
    try (Fixture f = new Fixture(TestShells.interactive().build(), b -> b.launcher(
        (user, id, defaults) -> {
          throw new IllegalStateException("no workspace for " + id);
        }))) {
      ShellPeer p = f.open(principal("alice"));
      p.init("x", 80, 24);
      assertThat(p.until("error").path("data").path("error").asText()).isEqualTo("start_failed");
      assertThat(f.endpoint.stats().shells()).isZero();
      assertThat(f.endpoint.stats().shellsStarted()).isZero();
    }
  }
}
