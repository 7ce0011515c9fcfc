package io.github.jchannels.server;

import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * What a client sent to open a connection: the request path, query parameters and headers.
 * Immutable. Header names are case-insensitive.
 */
public final class Handshake {
  private final String path;
  private final Map<String, List<String>> query;
  private final Map<String, String> headers;
  private final @Nullable InetSocketAddress remoteAddress;

  /**
   * A handshake for the request target {@code resource} (path and optional query, e.g.
   * {@code /ws?token=abc}), with these headers (last value wins on duplicate names).
   */
  public Handshake(String resource, Map<String, String> headers,
      @Nullable InetSocketAddress remoteAddress) {
    Objects.requireNonNull(resource, "resource");
    int q = resource.indexOf('?');
    this.path = q < 0 ? resource : resource.substring(0, q);
    this.query = parseQuery(q < 0 ? "" : resource.substring(q + 1));
    TreeMap<String, String> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    h.putAll(headers);
    this.headers = Collections.unmodifiableMap(h);
    this.remoteAddress = remoteAddress;
  }

  private static Map<String, List<String>> parseQuery(String query) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    if (query.isEmpty()) {
      return Map.of();
    }
    for (String pair : query.split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = decode(eq < 0 ? pair : pair.substring(0, eq));
      String v = eq < 0 ? "" : decode(pair.substring(eq + 1));
      if (k != null && v != null) {
        out.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
      }
    }
    Map<String, List<String>> copy = new LinkedHashMap<>();
    out.forEach((k, v) -> copy.put(k, List.copyOf(v)));
    return Collections.unmodifiableMap(copy);
  }

  private static @Nullable String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The request path without the query, e.g. {@code /ws}. */
  public String path() {
    return path;
  }

  /** Every header, by case-insensitive name. */
  public Map<String, String> headers() {
    return headers;
  }

  /** One header, by case-insensitive name. */
  public Optional<String> header(String name) {
    return Optional.ofNullable(headers.get(name));
  }

  /** Every query parameter with all its values, in order. */
  public Map<String, List<String>> queryParameters() {
    return query;
  }

  /** The first value of a query parameter. */
  public Optional<String> queryParameter(String name) {
    List<String> v = query.get(name);
    return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
  }

  /**
   * The bearer token: from {@code Authorization: Bearer <token>} when an {@code Authorization}
   * header is present (the header wins: one with another scheme, or an empty token, gives no
   * token, never a fallback to the query), else from the {@code token} query parameter (for
   * browsers, which cannot set headers on a WebSocket). Empty when neither gives one.
   */
  public Optional<String> bearerToken() {
    String auth = headers.get("Authorization");
    if (auth != null) {
      String a = auth.strip();
      if (a.regionMatches(true, 0, "Bearer ", 0, 7)) {
        String t = a.substring(7).strip();
        if (!t.isEmpty()) {
          return Optional.of(t);
        }
      }
      return Optional.empty();
    }
    return queryParameter("token").filter(t -> !t.isEmpty());
  }

  /** The {@code Origin} header, sent by browsers. */
  public Optional<String> origin() {
    return header("Origin");
  }

  /** The peer's address, when known. */
  public Optional<InetSocketAddress> remoteAddress() {
    return Optional.ofNullable(remoteAddress);
  }

  @Override
  public String toString() {
    return "Handshake[" + path + " from " + remoteAddress + "]";
  }
}
