package io.github.jchannels.examples.boot;

import jakarta.servlet.http.HttpSession;
import java.security.Principal;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Service;

/**
 * The application's own accounts: API tokens for programs, and a login that puts the user in
 * the HTTP session for browsers. Nothing here knows about channels.
 */
@Service
public class Accounts {
  /** The HTTP session attribute holding the logged-in user. */
  public static final String SESSION_USER = "user";

  /** A user of the application. */
  public record User(String getName, boolean admin) implements Principal {}

  private final Map<String, User> tokens = Map.of(
      "alice-token", new User("alice", false),
      "root-token", new User("root", true));
  private final Map<String, User> users = Map.of(
      "alice", new User("alice", false),
      "bob", new User("bob", false),
      "root", new User("root", true));

  /** The user of an API token. */
  public Optional<User> byToken(String token) {
    return Optional.ofNullable(tokens.get(token));
  }

  /** Logs {@code name} in on {@code session}; false for an unknown user. */
  public boolean login(String name, HttpSession session) {
    User u = users.get(name);
    if (u == null) {
      return false;
    }
    session.setAttribute(SESSION_USER, u);
    return true;
  }

  /** The user logged in on {@code session}, if any. */
  public Optional<User> loggedIn(HttpSession session) {
    try {
      return session.getAttribute(SESSION_USER) instanceof User u ? Optional.of(u)
          : Optional.empty();
    } catch (IllegalStateException invalidated) {
      return Optional.empty();
    }
  }
}
