package io.github.jchannels.client;

import java.util.Set;
import java.util.stream.Collectors;

/** The names of live Java-WebSocket client threads, for tests that prove none is left behind. */
final class SocketThreads {
  private SocketThreads() {}

  static Set<String> live() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith("WebSocketConnectReadThread") || n.startsWith("WebSocketWriteThread"))
        .collect(Collectors.toSet());
  }
}
