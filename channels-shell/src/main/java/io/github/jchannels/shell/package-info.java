/**
 * A terminal over the channels protocol (PROTOCOL.md section 9), on its own WebSocket
 * endpoint: {@link io.github.jchannels.shell.ShellEndpoint} runs programs in pseudo terminals
 * for the server, {@link io.github.jchannels.shell.ShellClient} is the Java client. Off unless
 * the host application mounts the endpoint with an authenticator and an authorizer.
 */
@NullMarked
package io.github.jchannels.shell;

import org.jspecify.annotations.NullMarked;
