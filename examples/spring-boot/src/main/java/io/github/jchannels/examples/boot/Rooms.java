package io.github.jchannels.examples.boot;

import java.security.Principal;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Service;

/**
 * Who may join which room: every authenticated user, but rooms named {@code admin-...} only
 * admins. The channel server's authorizer asks this service.
 */
@Service
public class Rooms {
  /** Whether {@code user} may join and write to {@code room}. */
  public boolean mayJoin(@Nullable Principal user, String room) {
    if (!(user instanceof Accounts.User u)) {
      return false;
    }
    return !room.startsWith("admin-") || u.admin();
  }
}
