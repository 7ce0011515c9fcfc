package io.github.jchannels.core;

import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A syntactically valid channel name, split on its first {@code :} into a resource (the
 * family) and an optional id (PROTOCOL.md section 3): {@code workflow:run:456} has
 * resource {@code workflow} and id {@code run:456}; {@code global} has no id.
 *
 * <p>{@link #parse(String)} never returns null and never throws: it returns
 * {@link Parse.Valid} or {@link Parse.Invalid} with the precise reason.
 *
 * @param resource the family name
 * @param id everything after the first colon, or null when there is none
 */
public record ChannelName(String resource, @Nullable String id) {

  /** Validates the parts; use {@link #parse(String)} for untrusted text. */
  public ChannelName {
    Objects.requireNonNull(resource, "resource");
    String problem = problem(resource, id);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
  }

  /** The result of {@link #parse(String)}. */
  public sealed interface Parse {
    /** A valid name. */
    record Valid(ChannelName name) implements Parse {}

    /** Not a valid name, with the reason in words. */
    record Invalid(String input, String reason) implements Parse {}

    /** The name, or empty if invalid. */
    default Optional<ChannelName> toOptional() {
      return this instanceof Valid v ? Optional.of(v.name()) : Optional.empty();
    }
  }

  /** Parses untrusted text. */
  public static Parse parse(@Nullable String text) {
    if (text == null) {
      return new Parse.Invalid("null", "channel name is missing");
    }
    if (text.length() > Names.MAX_CHANNEL_LENGTH) {
      return new Parse.Invalid(abbreviate(text),
          "channel name is longer than " + Names.MAX_CHANNEL_LENGTH + " characters");
    }
    int colon = text.indexOf(':');
    String resource = colon < 0 ? text : text.substring(0, colon);
    String id = colon < 0 ? null : text.substring(colon + 1);
    String problem = problem(resource, id);
    return problem == null
        ? new Parse.Valid(new ChannelName(resource, id))
        : new Parse.Invalid(text, problem);
  }

  private static @Nullable String problem(String resource, @Nullable String id) {
    if (!Names.isValidResource(resource)) {
      return "resource '" + abbreviate(resource) + "' must match " + Names.RESOURCE_PATTERN;
    }
    if (id != null) {
      if (id.isEmpty()) {
        return "id after ':' is empty";
      }
      for (String segment : id.split(":", -1)) {
        if (!Names.isValidSegment(segment)) {
          return "segment '" + abbreviate(segment)
              + "' must be 1-128 characters of [A-Za-z0-9_.@-]";
        }
      }
      if (resource.length() + 1 + id.length() > Names.MAX_CHANNEL_LENGTH) {
        return "channel name is longer than " + Names.MAX_CHANNEL_LENGTH + " characters";
      }
    }
    return null;
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "…";
  }

  /** The number of {@code :}-separated segments in the id (0 when there is no id). */
  public int idSegments() {
    if (id == null) {
      return 0;
    }
    int n = 1;
    for (int i = 0; i < id.length(); i++) {
      if (id.charAt(i) == ':') {
        n++;
      }
    }
    return n;
  }

  /** The name as it travels on the wire. */
  @Override
  public String toString() {
    return id == null ? resource : resource + ":" + id;
  }
}
