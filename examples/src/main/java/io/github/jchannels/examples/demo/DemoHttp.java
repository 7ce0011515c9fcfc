package io.github.jchannels.examples.demo;

/** The demo's HTTP server, whichever it is. */
interface DemoHttp extends AutoCloseable {
  /** The bound port. */
  int port();

  @Override
  void close();
}
