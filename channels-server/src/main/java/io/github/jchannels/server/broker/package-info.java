/**
 * The broker SPI: what a server node needs from the thing that connects it to its peers.
 *
 * <p>A {@link io.github.jchannels.server.broker.Broker} publishes encoded events to a channel
 * and assigns each its {@code seq} (PROTOCOL.md section 11), delivers the channels this node is
 * interested in to one {@link io.github.jchannels.server.broker.BrokerListener}, keeps a bounded
 * history per channel (size in events and a time-to-live), answers recovery requests all or
 * nothing, and tells which nodes are alive.
 * {@link io.github.jchannels.server.broker.InMemoryBroker} is the one-node default; the
 * {@code channels-redis} module provides a broker for several nodes.
 */
@NullMarked
package io.github.jchannels.server.broker;

import org.jspecify.annotations.NullMarked;
