package io.github.jchannels.server;

import java.security.Principal;
import java.util.Optional;
import java.util.function.Function;

/**
 * Decides at the handshake who a connection is. Runs once per connection on the server's
 * executor (it may block, e.g. to ask an identity service), after the origin check.
 *
 * <p>An empty answer, or an exception, rejects the connection: the server sends one
 * {@code global} {@code error} {@code unauthorized} event and closes with 1008; nothing else
 * from that connection is processed.
 */
@FunctionalInterface
public interface Authenticator {

  /** The principal of this handshake, or empty to reject it. */
  Optional<Principal> authenticate(Handshake handshake) throws Exception;

  /**
   * Accepts every connection whose bearer token ({@link Handshake#bearerToken()}) maps to a
   * principal; rejects connections without a token or with an unknown one.
   */
  static Authenticator bearer(Function<String, Optional<? extends Principal>> tokens) {
    return h -> h.bearerToken().flatMap(tokens);
  }
}
