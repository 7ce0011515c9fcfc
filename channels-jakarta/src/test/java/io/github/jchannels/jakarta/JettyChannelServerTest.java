package io.github.jchannels.jakarta;

/** A whole channel server on Jetty 12 (ee10). */
class JettyChannelServerTest extends ChannelServerCases {
  @Override
  EmbeddedContainer newContainer() {
    return new EmbeddedJetty();
  }
}
