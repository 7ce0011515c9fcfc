package io.github.jchannels.shell.internal;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Deterministic launch specs for tests: no profile, no rc files, a fixed prompt. */
final class Shells {
  private Shells() {}

  static Map<String, String> env() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("TERM", "xterm-256color");
    env.put("LANG", "C.UTF-8");
    env.put("LC_ALL", "C.UTF-8");
    env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
    env.put("HOME", System.getProperty("java.io.tmpdir"));
    env.put("PS1", "$ ");
    return env;
  }

  /** A tag-only containment with a fresh tag. */
  static ShellJail jail() {
    return new ShellJail(ProcessHandle.current().pid() + "-test" + System.nanoTime(), null);
  }

  /** An interactive bash. */
  static LaunchSpec interactive() {
    return new LaunchSpec(List.of("bash", "--noprofile", "--norc", "-i"),
        Path.of(System.getProperty("java.io.tmpdir")), env());
  }

  /** bash running one script. */
  static LaunchSpec script(String script) {
    return new LaunchSpec(List.of("bash", "--noprofile", "--norc", "-c", script),
        Path.of(System.getProperty("java.io.tmpdir")), env());
  }
}
