package io.github.jchannels.shell;

import static io.github.jchannels.shell.Fixture.pidsWith;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.jchannels.shell.ShellConfig.Containment;
import io.github.jchannels.shell.internal.CgroupRoot;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A JVM that exits without closing the endpoint leaves nothing behind (the shutdown hook). */
@Timeout(90)
class ShellShutdownHookTest {

  @ParameterizedTest
  @EnumSource(value = Containment.class, names = {"CGROUP", "ENVIRONMENT_TAG"})
  void aJvmExitWithoutCloseKillsTheShellsProcesses(Containment containment) throws Exception {
    if (containment == Containment.CGROUP && !TestShells.ci()) {
      Optional<CgroupRoot> root = CgroupRoot.open(null);
      root.ifPresent(CgroupRoot::close);
      assumeTrue(root.isPresent(), "this process may not create cgroups v2 here");
    }
    String marker = "2000" + ProcessHandle.current().pid()
        + (containment == Containment.CGROUP ? "1" : "2");
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED"));
    String tmp = System.getProperty("pty4j.tmpdir");
    if (tmp != null) {
      cmd.add("-Dpty4j.tmpdir=" + tmp);
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"),
        ShutdownHookChild.class.getName(), marker, containment.name()));
    Process child = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    String out;
    try {
      assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("the child JVM exits").isTrue();
    } finally {
      out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      child.destroyForcibly();
    }
    assertThat(out).as(out).contains("RUNNING");
    assertThat(child.exitValue()).as(out).isZero();
    assertThat(pidsWith(marker)).as(out).isEmpty();
  }
}
