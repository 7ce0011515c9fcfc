package io.github.jchannels.client.internal;

import io.github.jchannels.client.PresenceEntry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The presence algebra, as pure functions on immutable maps (key to entries): Phoenix's
 * {@code Presence.syncState} and {@code syncDiff}, with entries identified by {@code connId}.
 * A diff's leaves are applied before its joins, because PROTOCOL.md section 12 makes an update
 * "a leave and a join of that entry in one diff" with the same {@code connId}. Joining an
 * entry that is already there, equal, changes nothing and reports nothing; a leave of an entry
 * that is not there is ignored. So a frame applied twice, or a state that already contains a
 * diff, never makes a duplicate.
 */
final class PresenceSync {
  private PresenceSync() {}

  /** One listener call a change makes. */
  sealed interface Change {
    /** {@code joined} entered {@code key}, which held {@code before}. */
    record Join(String key, List<PresenceEntry> before, List<PresenceEntry> joined)
        implements Change {}

    /** {@code left} went from {@code key}, which still holds {@code remaining}. */
    record Leave(String key, List<PresenceEntry> remaining, List<PresenceEntry> left)
        implements Change {}
  }

  /** The state after a frame, and the listener calls it makes, in order. */
  record Result(Map<String, List<PresenceEntry>> state, List<Change> changes) {}

  /**
   * Replaces {@code current} by {@code next} (a {@code presence_state}): an entry of
   * {@code current} not in {@code next} (or there with another meta) is a leave, an entry of
   * {@code next} not in {@code current} a join.
   */
  static Result syncState(Map<String, List<PresenceEntry>> current,
      Map<String, List<PresenceEntry>> next) {
    Map<String, List<PresenceEntry>> normal = normalise(next);
    Map<String, List<PresenceEntry>> leaves = new LinkedHashMap<>();
    current.forEach((key, entries) -> {
      List<PresenceEntry> there = normal.getOrDefault(key, List.of());
      List<PresenceEntry> gone = entries.stream().filter(e -> !there.contains(e)).toList();
      if (!gone.isEmpty()) {
        leaves.put(key, gone);
      }
    });
    Map<String, List<PresenceEntry>> joins = new LinkedHashMap<>();
    normal.forEach((key, entries) -> {
      List<PresenceEntry> had = current.getOrDefault(key, List.of());
      List<PresenceEntry> come = entries.stream().filter(e -> !had.contains(e)).toList();
      if (!come.isEmpty()) {
        joins.put(key, come);
      }
    });
    List<Change> changes = syncDiff(current, joins, leaves).changes();
    return new Result(freeze(normal), changes);
  }

  /** Applies a {@code presence_diff} to {@code current}: its leaves first, then its joins. */
  static Result syncDiff(Map<String, List<PresenceEntry>> current,
      Map<String, List<PresenceEntry>> joins, Map<String, List<PresenceEntry>> leaves) {
    Map<String, List<PresenceEntry>> state = new LinkedHashMap<>();
    current.forEach((k, v) -> state.put(k, new ArrayList<>(v)));
    List<Change> changes = new ArrayList<>();
    leaves.forEach((key, entries) -> {
      List<PresenceEntry> list = state.get(key);
      if (list == null) {
        return;
      }
      List<PresenceEntry> removed = new ArrayList<>();
      for (PresenceEntry e : entries) {
        int i = indexOf(list, e.connId());
        if (i >= 0) {
          removed.add(list.remove(i));
        }
      }
      if (list.isEmpty()) {
        state.remove(key);
      }
      if (!removed.isEmpty()) {
        changes.add(new Change.Leave(key, List.copyOf(list), List.copyOf(removed)));
      }
    });
    joins.forEach((key, entries) -> {
      List<PresenceEntry> list = state.computeIfAbsent(key, k -> new ArrayList<>());
      List<PresenceEntry> before = List.copyOf(list);
      List<PresenceEntry> added = new ArrayList<>();
      for (PresenceEntry e : entries) {
        int i = indexOf(list, e.connId());
        if (i >= 0 && list.get(i).equals(e)) {
          continue; // already there, as it is: nothing to report
        }
        if (i >= 0) {
          list.set(i, e);
        } else {
          list.add(e);
        }
        added.removeIf(a -> a.connId().equals(e.connId()));
        added.add(e);
      }
      if (list.isEmpty()) {
        state.remove(key);
      }
      if (!added.isEmpty()) {
        changes.add(new Change.Join(key, before, List.copyOf(added)));
      }
    });
    return new Result(freeze(state), List.copyOf(changes));
  }

  /** One entry per {@code connId} per key (the last wins), no empty keys. */
  private static Map<String, List<PresenceEntry>> normalise(
      Map<String, List<PresenceEntry>> entries) {
    Map<String, List<PresenceEntry>> out = new LinkedHashMap<>();
    entries.forEach((key, list) -> {
      List<PresenceEntry> unique = new ArrayList<>();
      for (PresenceEntry e : list) {
        int i = indexOf(unique, e.connId());
        if (i >= 0) {
          unique.set(i, e);
        } else {
          unique.add(e);
        }
      }
      if (!unique.isEmpty()) {
        out.put(key, unique);
      }
    });
    return out;
  }

  private static int indexOf(List<PresenceEntry> list, String connId) {
    for (int i = 0; i < list.size(); i++) {
      if (list.get(i).connId().equals(connId)) {
        return i;
      }
    }
    return -1;
  }

  private static Map<String, List<PresenceEntry>> freeze(Map<String, List<PresenceEntry>> m) {
    Map<String, List<PresenceEntry>> out = new LinkedHashMap<>();
    m.forEach((k, v) -> out.put(k, List.copyOf(v)));
    return Collections.unmodifiableMap(out);
  }
}
