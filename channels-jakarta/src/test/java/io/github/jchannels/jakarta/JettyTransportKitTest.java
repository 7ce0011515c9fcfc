package io.github.jchannels.jakarta;

/** The server transport kit on the Jakarta transport in Jetty 12 (ee10). */
class JettyTransportKitTest extends JakartaKitCases {
  @Override
  EmbeddedContainer newContainer() {
    return new EmbeddedJetty();
  }
}
