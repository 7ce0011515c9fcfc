package io.github.jchannels.examples.demo;

import io.github.jchannels.server.Authenticator;
import io.github.jchannels.server.ChannelServer;

/** Mounts the terminal endpoint ({@code /shell}) of channels-shell on the demo's server. */
final class DemoShell {
  static final String PATH = "/shell";

  private DemoShell() {}

  static void mount(ChannelServer.Builder builder, Authenticator authenticator) {
    throw new UnsupportedOperationException("channels-shell is not wired yet");
  }
}
