package io.github.jchannels.examples.readme;

import io.github.jchannels.client.ChannelClient;
import io.github.jchannels.core.EventRegistry;
import io.github.jchannels.server.ChannelServer;
import java.net.URI;
import java.security.Principal;

/**
 * The README's quick start, compiled by the build; {@code GuideSnippetsTest} checks that
 * README.md shows exactly these regions.
 */
@SuppressWarnings("unused")
final class ReadmeSamples {
  private ReadmeSamples() {}

  static ChannelServer server() {
    // tag::server[]
    ChannelServer server = ChannelServer.builder()
        .port(8080)
        .registry(EventRegistry.builder().withDefaults().add(WorkflowEvent.FAMILY).build())
        .authenticator(handshake -> handshake.bearerToken()
            .filter("secret"::equals).map(token -> (Principal) () -> "alice"))
        .build()
        .start();

    server.broadcast(WorkflowEvent.FAMILY.channel("run:456"), new WorkflowEvent.StepDone("build"));
    // does not compile (a shell event on a workflow channel):
    // server.broadcast(WorkflowEvent.FAMILY.channel("run:456"), new ShellEvent.Output("x"));
    // end::server[]
    return server;
  }

  static void client() {
    // tag::client[]
    try (ChannelClient client = ChannelClient.builder(URI.create("ws://localhost:8080/ws"))
        .token(() -> "secret")
        .registry(EventRegistry.builder().withDefaults().add(WorkflowEvent.FAMILY).build())
        .build()) {
      client.connect().join();
      client.subscribe(WorkflowEvent.FAMILY.channel("run:456"), event -> {
        switch (event) {
          case WorkflowEvent.StepDone done -> System.out.println("done: " + done.step());
          case WorkflowEvent.Cancel cancel -> { }
        }
      });
    }
    // end::client[]
  }
}
