package io.github.jchannels.jakarta;

/** The transport's mechanics on Tomcat 11. */
class TomcatMechanicsTest extends TransportMechanicsCases {
  @Override
  EmbeddedContainer newContainer() throws Exception {
    return new EmbeddedTomcat();
  }
}
