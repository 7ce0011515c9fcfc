/**
 * Internals of the Jakarta transport: the upgrade filter, the connection with its chained
 * send queue, and what differs between containers. Not an API.
 */
@NullMarked
package io.github.jchannels.jakarta.internal;

import org.jspecify.annotations.NullMarked;
