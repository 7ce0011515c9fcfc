package io.github.jchannels.jakarta;

/** The server transport kit on the Jakarta transport in Tomcat 11. */
class TomcatTransportKitTest extends JakartaKitCases {
  @Override
  EmbeddedContainer newContainer() throws Exception {
    return new EmbeddedTomcat();
  }

  /** Tomcat drops the socket right after its own close frame on a protocol error. */
  @Override
  protected boolean mayDropAfterProtocolError() {
    return true;
  }
}
