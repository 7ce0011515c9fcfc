/**
 * The channels test kit: what an application's or a transport's tests need to exercise channels
 * code without writing their own fakes. The fake clock and scheduler live in core
 * ({@link io.github.jchannels.core.time.FakeScheduler}), so that core, server and client tests can
 * use them too.
 */
@NullMarked
package io.github.jchannels.test;

import org.jspecify.annotations.NullMarked;
