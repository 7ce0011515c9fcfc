/**
 * The default transport, Java-WebSocket 1.6.0 ({@link
 * io.github.jchannels.server.internal.jws.JwsTransport}), with every workaround for that library
 * in one place: a bounded draft, counted writes, a capped handshake, and a timer that re-arms
 * lost write demands. Written for and tested against {@link
 * io.github.jchannels.server.internal.jws.JwsTransport#WRITTEN_FOR}. Not API.
 */
@NullMarked
package io.github.jchannels.server.internal.jws;

import org.jspecify.annotations.NullMarked;
