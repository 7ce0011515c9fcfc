package io.github.jchannels.redis.internal;

/**
 * Redis names for one channel. Every name of a channel carries the channel in a hash tag
 * ({@code {channel}}), so that a channel's keys and its pub/sub channel live in one cluster slot
 * and one script may touch them all.
 */
public record Keys(String meta, String stream, String pubsub) {
  /** The names of {@code channel} under {@code prefix}. */
  public static Keys of(String prefix, String channel) {
    String base = prefix + ":{" + channel + "}";
    return new Keys(base + ":m", base + ":s", base);
  }

  /** The sorted set of live nodes under {@code prefix}. */
  public static String nodes(String prefix) {
    return prefix + ":nodes";
  }

  /**
   * The presence keys of {@code channel}: a hash (connId → entry) and a sorted set (connId →
   * expiry time in ms), in the channel's slot.
   */
  public static String[] presence(String prefix, String channel) {
    String base = prefix + ":{" + channel + "}";
    return new String[] {base + ":p", base + ":pz", base};
  }

  /** The set of channels where node {@code nodeId} has (or had) presence entries. */
  public static String presenceIndex(String prefix, String nodeId) {
    return prefix + ":presence-node:" + nodeId;
  }
}
