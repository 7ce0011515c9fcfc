/**
 * The transport SPI: a {@link io.github.jchannels.core.transport.Connection} that can send a
 * frame, be closed with a code and report its buffered bytes, and the
 * {@link io.github.jchannels.core.transport.ConnectionHandler} a transport feeds.
 */
@NullMarked
package io.github.jchannels.core.transport;

import org.jspecify.annotations.NullMarked;
