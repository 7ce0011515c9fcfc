package io.github.jchannels.shell;

import java.security.Principal;
import org.jspecify.annotations.Nullable;

/**
 * Decides whether a connection may use the shell id {@code shellId} at all. Asked on every
 * {@code init}, on the server's executor (it may block briefly). It is the first of two checks:
 * a running shell also belongs to the principal that started it, and another principal
 * attaches only if the endpoint's {@link ShellSharing} policy grants it (by default nobody
 * does). Compare names exactly; never by prefix ({@code "bob-ops-1".startsWith("bob-")}).
 *
 * <pre>{@code
 * .authorizer(ShellAuthorizer.ownerNamed())   // ids "<principal name>@<anything without @>"
 * }</pre>
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

  /**
   * Shell ids of the form {@code <principal name>@<suffix>} (the suffix holds no {@code @}):
   * allowed when the part before the last {@code @} equals the principal's name exactly, so
   * {@code bob} may use {@code bob@1} but neither {@code bob-ops@1} nor {@code bob@ops@1}.
   * Anonymous connections are refused.
   */
  static ShellAuthorizer ownerNamed() {
    return (principal, shellId) -> {
      int at = shellId.lastIndexOf('@');
      return principal != null && at > 0 && at < shellId.length() - 1
          && shellId.substring(0, at).equals(principal.getName());
    };
  }
}
