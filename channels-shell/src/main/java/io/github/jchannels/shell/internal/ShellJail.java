package io.github.jchannels.shell.internal;

import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What keeps one shell's processes findable: always an environment tag
 * ({@link ProcessTree#TAG_VARIABLE}), and a cgroup v2 of its own where the endpoint has one.
 */
public final class ShellJail {
  private static final Logger log = LoggerFactory.getLogger(ShellJail.class);

  private final String tag;
  private final @Nullable ShellCgroup cgroup;

  public ShellJail(String tag, @Nullable ShellCgroup cgroup) {
    this.tag = tag;
    this.cgroup = cgroup;
  }

  /** The tag value. */
  public String tag() {
    return tag;
  }

  /** The shell's cgroup, if it has one. */
  public Optional<ShellCgroup> cgroup() {
    return Optional.ofNullable(cgroup);
  }

  /** Adds the tag to {@code env}. */
  void tag(Map<String, String> env) {
    env.put(ProcessTree.TAG_VARIABLE, tag);
  }

  /** Kills every process of the cgroup and every tagged process; returns how many. */
  public int killAll() {
    int n = 0;
    if (cgroup != null) {
      n += cgroup.killAll();
    }
    n += ProcessTree.killTagged(tag);
    return n;
  }

  /** Removes the cgroup once it is empty (after {@link #killAll()}). */
  public void release() {
    if (cgroup != null && !cgroup.remove(2_000)) {
      log.warn("shell cgroup {} is not empty after the teardown", cgroup.dir());
    }
  }
}
