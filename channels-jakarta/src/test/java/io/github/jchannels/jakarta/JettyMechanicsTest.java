package io.github.jchannels.jakarta;

/** The transport's mechanics on Jetty 12 (ee10). */
class JettyMechanicsTest extends TransportMechanicsCases {
  @Override
  EmbeddedContainer newContainer() {
    return new EmbeddedJetty();
  }
}
