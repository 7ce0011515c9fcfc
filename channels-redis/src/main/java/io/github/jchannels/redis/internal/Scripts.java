package io.github.jchannels.redis.internal;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
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

  private static final String PUBLISH_SHA = sha1(PUBLISH);
  private static final String READ_SHA = sha1(READ);

  private Scripts() {}

  /** Runs {@link #PUBLISH}. */
  public static <T> CompletionStage<T> publish(RedisAsyncCommands<String, String> redis,
      String[] keys, String... args) {
    return run(redis, PUBLISH, PUBLISH_SHA, keys, args);
  }

  /** Runs {@link #READ}. */
  public static <T> CompletionStage<T> read(RedisAsyncCommands<String, String> redis,
      String[] keys, String... args) {
    return run(redis, READ, READ_SHA, keys, args);
  }

  private static <T> CompletionStage<T> run(RedisAsyncCommands<String, String> redis,
      String script, String sha, String[] keys, String... args) {
    CompletionStage<T> first = redis.evalsha(sha, ScriptOutputType.MULTI, keys, args);
    return first.exceptionallyCompose(e -> {
      if (isNoScript(e)) {
        return redis.<T>eval(script, ScriptOutputType.MULTI, keys, args);
      }
      throw e instanceof CompletionException ce ? ce : new CompletionException(e);
    });
  }

  private static boolean isNoScript(Throwable e) {
    Throwable t = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    return t instanceof RedisNoScriptException
        || (t.getMessage() != null && t.getMessage().startsWith("NOSCRIPT"));
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
