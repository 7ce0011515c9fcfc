package io.github.jchannels.shell;

import java.security.Principal;
import org.jspecify.annotations.Nullable;

/**
 * Decides whether a connection may start or attach to the shell {@code shellId}. Asked on
 * every {@code init}, on the server's executor (it may block briefly). Shells are shared by id:
 * a second connection that is allowed {@code shellId} sees and types into the same terminal, so
 * an authorizer usually ties ids to their owner (for example, ids that start with the
 * principal's name).
 *
 * <p>Returning false, or throwing, refuses the {@code init} with a shell {@code error}
 * {@code unauthorized}.
 */
@FunctionalInterface
public interface ShellAuthorizer {

  /**
   * Whether {@code principal} (null for an anonymous connection) may use the shell
   * {@code shellId}.
   */
  boolean allow(@Nullable Principal principal, String shellId) throws Exception;
}
