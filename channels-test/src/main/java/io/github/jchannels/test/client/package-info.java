/**
 * Client-side test kit: {@link io.github.jchannels.test.client.ScriptedServer} (a scripted
 * WebSocket server in the manner of OkHttp's MockWebServer), recording listeners with timed
 * takes, an HTTP CONNECT proxy, and {@link io.github.jchannels.test.client.ClientCompatibilityKit},
 * the abstract test every client transport passes against the real server.
 */
@NullMarked
package io.github.jchannels.test.client;

import org.jspecify.annotations.NullMarked;
