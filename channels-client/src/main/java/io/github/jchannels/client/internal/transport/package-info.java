/** The built-in client transports (JDK and Java-WebSocket). Not API. */
@NullMarked
package io.github.jchannels.client.internal.transport;

import org.jspecify.annotations.NullMarked;
