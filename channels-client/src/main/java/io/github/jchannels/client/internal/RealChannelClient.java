package io.github.jchannels.client.internal;

import io.github.jchannels.client.ActiveSubscription;
import io.github.jchannels.client.ChannelClient;
import io.github.jchannels.client.ClientError;
import io.github.jchannels.client.ClientMetrics;
import io.github.jchannels.client.ClientSubscription;
import io.github.jchannels.client.ConnectionState;
import io.github.jchannels.client.ListenerHandle;
import io.github.jchannels.client.MessageLog;
import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Event;
import io.github.jchannels.core.Reply;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/** The {@link ChannelClient} over Java-WebSocket. Not API. */
public final class RealChannelClient implements ChannelClient {
  private final ClientConfig config;

  public RealChannelClient(ClientConfig config) {
    this.config = config;
  }

  @Override public CompletableFuture<Void> connect() { throw new UnsupportedOperationException(); }
  @Override public <E extends Event> ClientSubscription subscribe(Channel<E> channel, Consumer<? super E> handler) { throw new UnsupportedOperationException(); }
  @Override public <E extends Event> boolean send(Channel<E> channel, E event) { throw new UnsupportedOperationException(); }
  @Override public <E extends Event> CompletableFuture<Reply> request(Channel<E> channel, E event) { throw new UnsupportedOperationException(); }
  @Override public <E extends Event> CompletableFuture<Reply> request(Channel<E> channel, E event, Duration timeout) { throw new UnsupportedOperationException(); }
  @Override public <T> T convert(@Nullable Object value, Class<T> type) { throw new UnsupportedOperationException(); }
  @Override public ConnectionState state() { return new ConnectionState.Idle(); }
  @Override public ListenerHandle addStateListener(Consumer<? super ConnectionState> listener) { throw new UnsupportedOperationException(); }
  @Override public ListenerHandle addErrorListener(Consumer<? super ClientError> listener) { throw new UnsupportedOperationException(); }
  @Override public void reconnect() { throw new UnsupportedOperationException(); }
  @Override public ClientMetrics metrics() { throw new UnsupportedOperationException(); }
  @Override public MessageLog messageLog() { throw new UnsupportedOperationException(); }
  @Override public List<ActiveSubscription> subscriptions() { return List.of(); }
  @Override public int queuedMessages() { return 0; }
  @Override public URI uri() { return config.uri(); }
  @Override public void close() {}
}
