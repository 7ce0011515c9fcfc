package io.github.jchannels.core;

/**
 * The built-in families and their channel builders.
 *
 * <pre>{@code
 * Channel<SessionEvent> s = Channels.session("abc123");   // "session:abc123"
 * Channel<ShellEvent>   t = Channels.shell("t1");         // "shell:t1"
 * Channel<GlobalEvent>  g = Channels.global();            // "global"
 * }</pre>
 *
 * Applications declare their own kinds of channel with {@link Family#builder}.
 */
public final class Channels {
  /** {@code global}: connection-level control, no id. */
  public static final Family<GlobalEvent> GLOBAL =
      Family.builder("global", GlobalEvent.class).withoutId().build();

  /** {@code session:<id>}: streaming sessions. */
  public static final Family<SessionEvent> SESSION =
      Family.builder("session", SessionEvent.class).maxIdSegments(1).build();

  /** {@code shell:<id>}: terminals on the shell endpoint. */
  public static final Family<ShellEvent> SHELL =
      Family.builder("shell", ShellEvent.class).maxIdSegments(1).build();

  private static final Channel<GlobalEvent> GLOBAL_CHANNEL = GLOBAL.channel();

  private Channels() {}

  /** The {@code global} channel. */
  public static Channel<GlobalEvent> global() {
    return GLOBAL_CHANNEL;
  }

  /** {@code session:<id>}; throws {@link IllegalArgumentException} on an invalid id. */
  public static Channel<SessionEvent> session(String id) {
    return SESSION.channel(id);
  }

  /** {@code shell:<id>}; throws {@link IllegalArgumentException} on an invalid id. */
  public static Channel<ShellEvent> shell(String id) {
    return SHELL.channel(id);
  }

  /** Parses untrusted text into a channel name or the reason it is not one. */
  public static ChannelName.Parse parse(String text) {
    return ChannelName.parse(text);
  }
}
