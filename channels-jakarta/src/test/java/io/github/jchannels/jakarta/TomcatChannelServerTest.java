package io.github.jchannels.jakarta;

/** A whole channel server on Tomcat 11. */
class TomcatChannelServerTest extends ChannelServerCases {
  @Override
  EmbeddedContainer newContainer() throws Exception {
    return new EmbeddedTomcat();
  }
}
