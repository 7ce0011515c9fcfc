package io.github.jchannels.examples.demo;

/** {@link DemoAppTest} on {@code --transport jws}: Java-WebSocket on a port of its own. */
class JwsDemoAppTest extends DemoAppTest {
  @Override
  DemoOptions.Transport transport() {
    return DemoOptions.Transport.JWS;
  }
}
