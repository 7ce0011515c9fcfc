package io.github.jchannels.examples.cli;

import io.github.jchannels.client.ChannelClient;
import io.github.jchannels.client.ConnectionState;
import io.github.jchannels.client.ClientSubscription;
import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.Reply;
import io.github.jchannels.core.SessionEvent;
import io.github.jchannels.core.SessionEvent.MessageComplete;
import io.github.jchannels.core.SessionEvent.ProgressUpdate;
import io.github.jchannels.core.SessionEvent.SendMessage;
import io.github.jchannels.core.SessionEvent.SessionError;
import io.github.jchannels.core.SessionEvent.StreamOutput;
import io.github.jchannels.core.SessionEvent.SubscribeSuccess;
import io.github.jchannels.core.SessionEvent.TypingIndicator;
import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The Java CLI client of the demo: connects with a token, subscribes to a session, sends one
 * message and prints the stream as it arrives; without a message it listens until Ctrl+C.
 *
 * <pre>
 *   java -jar examples/target/channels-demo.jar chat [--url ws://127.0.0.1:8080/ws]
 *       [--token demo-token] [--session demo] [--timeout 30] hello there
 * </pre>
 */
public final class ChatCli {
  private ChatCli() {}

  /** Entry point of {@code java -cp channels-demo.jar io.github.jchannels.examples.cli.ChatCli}. */
  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs the client; returns the process exit code (0 when the stream completed). */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    String url = "ws://127.0.0.1:8080/ws";
    String token = "demo-token";
    String session = "demo";
    long timeoutSeconds = 30;
    List<String> words = new ArrayList<>();
    try {
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--url" -> url = args[++i];
          case "--token" -> token = args[++i];
          case "--session" -> session = args[++i];
          case "--timeout" -> timeoutSeconds = Long.parseLong(args[++i]);
          case "--help", "-h" -> {
            out.println("Usage: chat [--url ws://127.0.0.1:8080/ws] [--token demo-token]"
                + " [--session demo] [--timeout 30] [MESSAGE...]");
            return 0;
          }
          default -> words.add(args[i]);
        }
      }
    } catch (ArrayIndexOutOfBoundsException | NumberFormatException e) {
      err.println("bad arguments: " + String.join(" ", args));
      return 2;
    }
    String message = String.join(" ", words);
    String finalToken = token;
    Channel<SessionEvent> channel = Channels.session(session);
    BlockingQueue<String> completed = new LinkedBlockingQueue<>();

    try (ChannelClient client = ChannelClient.builder(URI.create(url))
        .token(() -> finalToken)
        .name("chat-cli")
        .build()) {
      client.addStateListener(state -> {
        switch (state) {
          case ConnectionState.Reconnecting r ->
              err.printf("%n[reconnecting %d/%d in %d ms]%n", r.attempt(), r.maxAttempts(),
                  r.delay().toMillis());
          case ConnectionState.Closed c -> err.printf("%n[closed: %s %s]%n", c.reason(),
              c.detail() == null ? "" : c.detail());
          case ConnectionState.Ready r -> err.printf("[connected as %s]%n", r.clientId());
          default -> { }
        }
      });
      ClientSubscription subscription = client.subscribe(channel, event -> {
        if (!(event instanceof SessionEvent.ToClient e)) {
          return;
        }
        // Exhaustive over what a server sends on a session: a new event type breaks this.
        switch (e) {
          case StreamOutput o -> {
            out.print(o.message());
            out.flush();
          }
          case ProgressUpdate p -> { }
          case MessageComplete c -> {
            out.println();
            completed.add(c.messageId());
          }
          case SessionError x -> err.println("[session error: " + x.error() + "]");
          case SubscribeSuccess s -> err.println("[joined " + channel.name() + "]");
          case TypingIndicator t -> { }
        }
      });
      // Recovery: after a reconnect the client rejoins with the last (epoch, seq) it printed;
      // say whether the output missed meanwhile followed, or was lost.
      subscription.onSubscribed(s -> {
        if (s.recovered()) {
          err.printf("%n[reconnected: recovered the missed output]%n");
        }
      });
      subscription.onStale(s -> err.printf("%n[reconnected: the output missed meanwhile could"
          + " not be recovered (history lost); some is missing]%n"));
      client.connect().get(timeoutSeconds, TimeUnit.SECONDS);
      subscription.joined().get(timeoutSeconds, TimeUnit.SECONDS);
      if (message.isBlank()) {
        err.println("[listening on " + channel.name() + "; Ctrl+C to stop]");
        Thread.currentThread().join();
        return 0;
      }
      Reply reply = client.request(channel,
          new SendMessage(message, session, System.currentTimeMillis()))
          .get(timeoutSeconds, TimeUnit.SECONDS);
      if (!(reply.response() instanceof Map<?, ?> response)
          || response.get("messageId") == null) {
        err.println("[unexpected reply, no messageId: " + reply.response() + "]");
        return 1;
      }
      String messageId = String.valueOf(response.get("messageId"));
      err.println("[sent; streaming " + messageId + "]");
      long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
      while (true) {
        String id = completed.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        if (id == null) {
          err.println("[timed out waiting for message_complete]");
          return 1;
        }
        if (id.equals(messageId)) {
          return 0;
        }
      }
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      err.println("[failed: " + cause.getMessage() + "]");
      return 1;
    } catch (TimeoutException e) {
      err.println("[timed out]");
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 130;
    }
  }
}
