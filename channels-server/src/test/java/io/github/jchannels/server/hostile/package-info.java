/**
 * Hostile-client tests: attacks on a real {@link io.github.jchannels.server.ChannelServer} over
 * loopback sockets, written frame by frame with {@link
 * io.github.jchannels.server.hostile.Attacker},
 * and the Autobahn|Testsuite server cases (sections 1 to 7) reproduced as tests.
 */
@NullMarked
package io.github.jchannels.server.hostile;

import org.jspecify.annotations.NullMarked;
