/**
 * A Spring Boot application with the channels endpoint in its own embedded Tomcat: its own
 * bearer tokens and HTTP-session login authenticate connections ({@link
 * io.github.jchannels.examples.boot.Accounts}), its own service decides who joins which room
 * ({@link io.github.jchannels.examples.boot.Rooms}), and a service broadcasts ({@link
 * io.github.jchannels.examples.boot.Announcer}).
 */
@NullMarked
package io.github.jchannels.examples.boot;

import org.jspecify.annotations.NullMarked;
