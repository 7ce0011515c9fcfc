/**
 * The Jakarta WebSocket transport: mounts a {@link io.github.jchannels.server.ChannelServer}'s
 * endpoints in any Jakarta WebSocket 2.1+ container (Tomcat 10.1/11, Jetty 12 ee10, Undertow,
 * Spring Boot's embedded servers) through {@link io.github.jchannels.jakarta.JakartaTransport}.
 * See {@code docs/jakarta.md}.
 */
@NullMarked
package io.github.jchannels.jakarta;

import org.jspecify.annotations.NullMarked;
