package io.github.jchannels.shell;

import java.security.Principal;
import org.jspecify.annotations.Nullable;

/**
 * Whether a principal other than its owner may attach to a running shell. A shell belongs to
 * the principal whose {@code init} started it (compared by {@link Principal#getName()}); only
 * that principal attaches to it, unless the application grants sharing with a policy here.
 * The default, {@link #OWNER_ONLY}, grants nothing. The {@link ShellAuthorizer} is asked first;
 * this policy is asked only when an allowed principal attaches to a shell it does not own.
 *
 * <p>A shell started by an anonymous connection has no owner: nobody else attaches to it, not
 * even another anonymous connection, unless this policy says so.
 *
 * <p>Returning false, or throwing, refuses the attach with a shell {@code error}
 * {@code unauthorized}. Called outside the endpoint's locks; it may block briefly.
 */
@FunctionalInterface
public interface ShellSharing {

  /** Nobody but the owner attaches (the default). */
  ShellSharing OWNER_ONLY = (principal, owner, shellId) -> false;

  /**
   * Whether {@code principal} (null for an anonymous connection) may attach to the running
   * shell {@code shellId} started by {@code owner} (null if an anonymous connection started it).
   */
  boolean mayAttach(@Nullable Principal principal, @Nullable String owner, String shellId)
      throws Exception;
}
