package io.github.jchannels.client;

import java.util.List;
import java.util.Map;

/**
 * Hears the changes of a {@link ChannelPresence}, on the client's callback thread, in the order
 * of the frames, with the view already updated. The model is Phoenix's JavaScript
 * {@code Presence}: {@code onJoin} and {@code onLeave} per key, then {@code onSync} once per
 * {@code presence_state} or {@code presence_diff}. A {@code meta} update of one connection is
 * a leave of its old entry followed by a join of its new one (same {@code connId}), as on the
 * wire. Every method has an empty default: implement the ones you need.
 */
public interface PresenceListener {

  /**
   * Entries joined {@code key}.
   *
   * @param key the presence key (the principal's name)
   * @param before the key's entries before the join; empty when the key is new (a user who
   *     just came online)
   * @param joined the entries that joined
   */
  default void onJoin(String key, List<PresenceEntry> before, List<PresenceEntry> joined) {}

  /**
   * Entries left {@code key}.
   *
   * @param key the presence key
   * @param remaining the key's entries after the leave; empty when the key is gone (the user's
   *     last connection left)
   * @param left the entries that left
   */
  default void onLeave(String key, List<PresenceEntry> remaining, List<PresenceEntry> left) {}

  /**
   * The view was brought up to date by one frame; {@code entries} is the whole view now (the
   * same as {@link ChannelPresence#list()}).
   */
  default void onSync(Map<String, List<PresenceEntry>> entries) {}
}
