package io.github.jchannels.shell;

/**
 * A snapshot of a {@link ShellEndpoint}'s counters.
 *
 * @param shells shells counted by the limits now: starting, running, or being torn down (a
 *     shell counts until every one of its processes is gone)
 * @param connections connections open now on the endpoint
 * @param shellsStarted shells started since the endpoint was created
 * @param outputFrames {@code output} frames encoded (each goes to every attached connection)
 * @param flowControlPauses times a PTY was left unread because a connection was behind
 * @param peakBufferedBytes the most bytes seen queued to one connection of a shell
 */
public record ShellStats(int shells, int connections, long shellsStarted, long outputFrames,
    long flowControlPauses, long peakBufferedBytes) {}
