package io.github.jchannels.shell;

import java.security.Principal;
import org.jspecify.annotations.Nullable;

/**
 * Decides what a new shell runs, per principal and shell id: the command, the working
 * directory, the environment and optionally the OS account ({@link ShellLaunch}). Asked once
 * per shell start (never on an attach), outside the endpoint's locks, on the thread of the
 * {@code init} that starts the shell; it may block briefly (a directory lookup).
 *
 * <pre>{@code
 * .launcher((user, shellId, defaults) -> defaults.toBuilder()
 *     .directory(Path.of("/srv/workspaces", user.getName()))
 *     .env("WORKSPACE", user.getName())
 *     .runAs(accounts.osUserOf(user))          // optional, needs a root server
 *     .build())
 * }</pre>
 *
 * <p>Throwing refuses the start with a shell {@code error} {@code start_failed}; the exception is
 * logged, not sent.
 */
@FunctionalInterface
public interface ShellLauncher {

  /** Runs what {@link ShellConfig} configures, as the server's own OS account. */
  ShellLauncher DEFAULTS = (principal, shellId, defaults) -> defaults;

  /**
   * The launch for a new shell {@code shellId} started by {@code principal} (null for an
   * anonymous connection); {@code defaults} holds {@link ShellConfig}'s command, directory
   * and environment.
   */
  ShellLaunch launch(@Nullable Principal principal, String shellId, ShellLaunch defaults)
      throws Exception;
}
