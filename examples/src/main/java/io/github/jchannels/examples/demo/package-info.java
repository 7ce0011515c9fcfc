/** The session-streaming demo: server, fake agent, web content and options. */
@NullMarked
package io.github.jchannels.examples.demo;

import org.jspecify.annotations.NullMarked;
