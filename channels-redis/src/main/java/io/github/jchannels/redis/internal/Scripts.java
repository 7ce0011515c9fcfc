package io.github.jchannels.redis.internal;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * The broker's Lua scripts, run with {@code EVALSHA}; when Redis answers {@code NOSCRIPT} (its
 * script cache is empty after a restart) the script is sent again with {@code EVAL}, which also
 * caches it.
 *
 * <p>Every script touches the keys of one channel only, all hash-tagged with the channel
 * ({@link Keys}), so in a Redis Cluster each run lands on the one node that owns that slot.
 */
public final class Scripts {
  /**
   * One publish, atomically: create the epoch if the stream has none (a stream left without meta
   * is dropped), take the next seq, append to the capped stream, set the time-to-lives and publish
   * the event with its seq and epoch.
   *
   * <p>KEYS: meta, stream, pub/sub channel. ARGV: payload, size, stream TTL ms, meta TTL ms, new
   * epoch, now ms. Returns {seq, epoch}.
   */
  public static final String PUBLISH = """
      local epoch = redis.call('hget', KEYS[1], 'e')
      if not epoch then
        epoch = ARGV[5]
        redis.call('del', KEYS[2])
        redis.call('hset', KEYS[1], 'e', epoch, 's', 0)
      end
      local seq = redis.call('hincrby', KEYS[1], 's', 1)
      redis.call('pexpire', KEYS[1], ARGV[4])
      redis.call('xadd', KEYS[2], 'MAXLEN', ARGV[2], seq .. '-0', 't', ARGV[6], 'd', ARGV[1])
      redis.call('pexpire', KEYS[2], ARGV[3])
      redis.call('publish', KEYS[3], 'v1:' .. seq .. ':' .. epoch .. ':' .. ARGV[1])
      return {seq, epoch}
      """;

  /**
   * The top of a stream (creating its epoch if missing), and in mode {@code r} the events after a
   * position when they can all be vouched for by seq (time is checked by the caller).
   *
   * <p>KEYS: meta, stream. ARGV: new epoch, meta TTL ms, mode ({@code p} or {@code r}), since
   * epoch, since seq, limit. Returns {top, epoch} in mode p; {top, epoch, 0} when not recoverable
   * by seq; {top, epoch, 1, entries} otherwise.
   */
  public static final String READ = """
      local m = redis.call('hmget', KEYS[1], 'e', 's')
      local epoch = m[1]
      local top = tonumber(m[2])
      if not epoch then
        epoch = ARGV[1]
        top = 0
        redis.call('del', KEYS[2])
        redis.call('hset', KEYS[1], 'e', epoch, 's', 0)
      end
      redis.call('pexpire', KEYS[1], ARGV[2])
      if ARGV[3] == 'p' then
        return {top, epoch}
      end
      local since = tonumber(ARGV[5])
      if epoch ~= ARGV[4] or since > top or top - since > tonumber(ARGV[6]) then
        return {top, epoch, 0}
      end
      if top == since then
        return {top, epoch, 1, {}}
      end
      return {top, epoch, 1, redis.call('xrange', KEYS[2], (since + 1) .. '-0', top .. '-0')}
      """;

  /**
   * One presence change, atomically: remove the leaves (those still there; their stored entries
   * are what the leave message carries), store the joins with their expiry, refresh the keys'
   * time-to-live, and publish the change as {@code p1:{"joins":[...],"leaves":[...]}}.
   *
   * <p>KEYS: hash, sorted set, pub/sub channel. ARGV: expiry ms, key TTL ms, number of leaves,
   * the leaves' connIds, number of joins, then (connId, entry) per join. Returns {changes}.
   */
  public static final String PRESENCE_UPDATE = """
      local i = 4
      local leaves = {}
      for _ = 1, tonumber(ARGV[3]) do
        local id = ARGV[i]
        i = i + 1
        local v = redis.call('hget', KEYS[1], id)
        if v then
          redis.call('hdel', KEYS[1], id)
          redis.call('zrem', KEYS[2], id)
          table.insert(leaves, v)
        end
      end
      local n = tonumber(ARGV[i])
      i = i + 1
      local joins = {}
      for _ = 1, n do
        redis.call('hset', KEYS[1], ARGV[i], ARGV[i + 1])
        redis.call('zadd', KEYS[2], ARGV[1], ARGV[i])
        table.insert(joins, ARGV[i + 1])
        i = i + 2
      end
      redis.call('pexpire', KEYS[1], ARGV[2])
      redis.call('pexpire', KEYS[2], ARGV[2])
      if #leaves > 0 or #joins > 0 then
        redis.call('publish', KEYS[3], 'p1:{"joins":[' .. table.concat(joins, ',')
          .. '],"leaves":[' .. table.concat(leaves, ',') .. ']}')
      end
      return {#leaves + #joins}
      """;

  /**
   * Removes the entries whose expiry has passed (their node stopped refreshing them) and
   * publishes their leaves; then in mode {@code r} returns every entry left, and in mode
   * {@code t} (a node's heartbeat) refreshes the expiry of the node's own entries and returns
   * those of them that are missing.
   *
   * <p>KEYS: hash, sorted set, pub/sub channel. ARGV: now ms, mode, new expiry ms, key TTL ms,
   * then (mode t) the node's connIds.
   */
  public static final String PRESENCE_READ = """
      local expired = redis.call('zrangebyscore', KEYS[2], '-inf', ARGV[1])
      local leaves = {}
      for _, id in ipairs(expired) do
        local v = redis.call('hget', KEYS[1], id)
        redis.call('zrem', KEYS[2], id)
        if v then
          redis.call('hdel', KEYS[1], id)
          table.insert(leaves, v)
        end
      end
      if #leaves > 0 then
        redis.call('publish', KEYS[3], 'p1:{"joins":[],"leaves":[' .. table.concat(leaves, ',')
          .. ']}')
      end
      if ARGV[2] == 'r' then
        return redis.call('hvals', KEYS[1])
      end
      local missing = {}
      for i = 5, #ARGV do
        if redis.call('zscore', KEYS[2], ARGV[i]) then
          redis.call('zadd', KEYS[2], ARGV[3], ARGV[i])
        else
          table.insert(missing, ARGV[i])
        end
      end
      redis.call('pexpire', KEYS[1], ARGV[4])
      redis.call('pexpire', KEYS[2], ARGV[4])
      return missing
      """;

  /**
   * Removes the entries a previous incarnation of a node (same node id) left behind, and
   * publishes their leaves: run at start for each channel of the node's index.
   *
   * <p>KEYS: hash, sorted set, pub/sub channel. ARGV: node id. Returns {removed}.
   */
  public static final String PRESENCE_PURGE = """
      local all = redis.call('hgetall', KEYS[1])
      local leaves = {}
      for i = 1, #all, 2 do
        local ok, e = pcall(cjson.decode, all[i + 1])
        if ok and type(e) == 'table' and e.node == ARGV[1] then
          redis.call('hdel', KEYS[1], all[i])
          redis.call('zrem', KEYS[2], all[i])
          table.insert(leaves, all[i + 1])
        end
      end
      if #leaves > 0 then
        redis.call('publish', KEYS[3], 'p1:{"joins":[],"leaves":[' .. table.concat(leaves, ',')
          .. ']}')
      end
      return {#leaves}
      """;

  private final RedisScriptingAsyncCommands<String, String> redis;
  private final Script publish;
  private final Script read;
  private final Script presenceUpdate;
  private final Script presenceRead;
  private final Script presencePurge;

  /**
   * The scripts on {@code redis}. With {@code sharded} (Redis Cluster) every {@code PUBLISH} of a
   * script is an {@code SPUBLISH} (sharded pub/sub, Redis 7.0+): the message then goes to the
   * shard that owns the channel's slot only, not to every node of the cluster.
   */
  public Scripts(RedisScriptingAsyncCommands<String, String> redis, boolean sharded) {
    this.redis = redis;
    this.publish = new Script(PUBLISH, sharded);
    this.read = new Script(READ, sharded);
    this.presenceUpdate = new Script(PRESENCE_UPDATE, sharded);
    this.presenceRead = new Script(PRESENCE_READ, sharded);
    this.presencePurge = new Script(PRESENCE_PURGE, sharded);
  }

  /** The text of {@code script} as this broker runs it ({@code SPUBLISH} when sharded). */
  static String variant(String script, boolean sharded) {
    return sharded ? script.replace("redis.call('publish',", "redis.call('spublish',") : script;
  }

  /** Runs {@link #PUBLISH}. */
  public <T> CompletionStage<T> publish(String[] keys, String... args) {
    return run(publish, keys, args);
  }

  /** Runs {@link #READ}. */
  public <T> CompletionStage<T> read(String[] keys, String... args) {
    return run(read, keys, args);
  }

  /** Runs {@link #PRESENCE_UPDATE}. */
  public <T> CompletionStage<T> presenceUpdate(String[] keys, String... args) {
    return run(presenceUpdate, keys, args);
  }

  /** Runs {@link #PRESENCE_READ}. */
  public <T> CompletionStage<T> presenceRead(String[] keys, String... args) {
    return run(presenceRead, keys, args);
  }

  /** Runs {@link #PRESENCE_PURGE}. */
  public <T> CompletionStage<T> presencePurge(String[] keys, String... args) {
    return run(presencePurge, keys, args);
  }

  private <T> CompletionStage<T> run(Script script, String[] keys, String... args) {
    CompletionStage<T> first = redis.evalsha(script.sha, ScriptOutputType.MULTI, keys, args);
    return first.exceptionallyCompose(e -> {
      if (isNoScript(e)) {
        return redis.<T>eval(script.text, ScriptOutputType.MULTI, keys, args);
      }
      throw e instanceof CompletionException ce ? ce : new CompletionException(e);
    });
  }

  /** A script's text and its SHA-1. */
  private static final class Script {
    final String text;
    final String sha;

    Script(String text, boolean sharded) {
      this.text = variant(text, sharded);
      this.sha = sha1(this.text);
    }
  }

  private static boolean isNoScript(Throwable e) {
    Throwable t = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    String message = t.getMessage();
    return t instanceof RedisNoScriptException
        || (message != null && message.startsWith("NOSCRIPT"));
  }

  static String sha1(String script) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-1");
      return HexFormat.of().formatHex(md.digest(script.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is missing", e);
    }
  }
}
