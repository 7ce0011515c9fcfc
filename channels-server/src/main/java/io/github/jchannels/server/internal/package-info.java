/**
 * Implementation of the channels server: the Java-WebSocket binding and the
 * transport-independent protocol engine. Not API: may change in any release.
 */
@NullMarked
package io.github.jchannels.server.internal;

import org.jspecify.annotations.NullMarked;
