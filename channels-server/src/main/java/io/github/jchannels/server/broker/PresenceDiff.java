package io.github.jchannels.server.broker;

import java.util.List;
import java.util.Objects;

/**
 * A change of a channel's presence: entries that left and entries that joined. A client applies
 * the leaves first, then the joins, each by {@link PresenceEntry#connId()}; an update of an
 * entry's {@code meta} is a leave of the old entry and a join of the new one in one diff.
 *
 * @param joins entries added (or replaced, for the same connId)
 * @param leaves entries removed
 */
public record PresenceDiff(List<PresenceEntry> joins, List<PresenceEntry> leaves) {
  /** Copies the lists. */
  public PresenceDiff {
    joins = List.copyOf(Objects.requireNonNull(joins, "joins"));
    leaves = List.copyOf(Objects.requireNonNull(leaves, "leaves"));
  }

  /** A diff with one join. */
  public static PresenceDiff join(PresenceEntry entry) {
    return new PresenceDiff(List.of(entry), List.of());
  }

  /** A diff with one leave. */
  public static PresenceDiff leave(PresenceEntry entry) {
    return new PresenceDiff(List.of(), List.of(entry));
  }

  /** A diff that replaces {@code old} by {@code updated} (a leave and a join). */
  public static PresenceDiff update(PresenceEntry old, PresenceEntry updated) {
    return new PresenceDiff(List.of(updated), List.of(old));
  }

  /** True when it has neither joins nor leaves. */
  public boolean isEmpty() {
    return joins.isEmpty() && leaves.isEmpty();
  }
}
