package io.github.jchannels.client.internal;

import io.github.jchannels.client.ActiveSubscription;
import io.github.jchannels.client.ChannelClient;
import io.github.jchannels.client.ChannelException;
import io.github.jchannels.client.ChannelPresence;
import io.github.jchannels.client.ClientError;
import io.github.jchannels.client.ClientMetrics;
import io.github.jchannels.client.ClientSubscription;
import io.github.jchannels.client.ConnectionState;
import io.github.jchannels.client.ListenerHandle;
import io.github.jchannels.client.MessageLog;
import io.github.jchannels.client.Subscribed;
import io.github.jchannels.client.transport.TransportSocket;
import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.Codec;
import io.github.jchannels.core.CodecLimits;
import io.github.jchannels.core.Event;
import io.github.jchannels.core.EventBus;
import io.github.jchannels.core.Frame;
import io.github.jchannels.core.Reply;
import io.github.jchannels.core.Subscription;
import io.github.jchannels.core.time.Scheduler;
import io.github.jchannels.core.time.SystemScheduler;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The public facade of the client. Not API.
 *
 * <p>Threads: the <em>loop</em> ({@link Loop}) owns all connection state ({@link Connector},
 * {@link Dispatcher}, {@link Joins}, {@link Requests}) and never runs user code; public
 * methods and transport callbacks only post tasks to it. Handlers, listeners and future
 * completions run on the <em>callback</em> thread ({@link Callbacks}), in order. A
 * <em>worker</em> pool runs the token supplier and completes request timeouts. Timers come
 * from the {@link Scheduler} and only wake the loop.
 */
public final class RealChannelClient implements ChannelClient {
  private static final Logger log = LoggerFactory.getLogger(RealChannelClient.class);
  private static final AtomicInteger SEQ = new AtomicInteger();

  private final ClientConfig config;
  private final Codec codec;
  private final EventBus bus;
  private final Metrics metrics;
  private final RingMessageLog messageLog;
  private final Loop loop;
  private final Callbacks callbacks;
  private final ExecutorService worker;
  private final Scheduler scheduler;
  /** The scheduler the client made and so closes; null when given one. */
  private final @Nullable SystemScheduler ownScheduler;
  private final Listeners listeners;
  private final SendQueue queue;
  private final Outbound outbound;
  private final Inbound inbound;
  private final Requests requests;
  private final Connector connector;
  private final PresenceFrames presenceFrames = new PresenceFrames();
  private final PresenceTracker presence;
  private final AtomicLong refs = new AtomicLong();
  private final AtomicBoolean closed = new AtomicBoolean();

  public RealChannelClient(ClientConfig config) {
    this.config = config;
    this.codec = Codec.forClient(config.registry(),
        CodecLimits.defaults().toBuilder().maxDocumentLength(config.maxFrameSize())
            .maxStringLength(Math.max(config.maxFrameSize(),
                CodecLimits.defaults().maxStringLength())).build());
    this.bus = new EventBus(new EventBus.Listener() {
      @Override
      public void firstHandlerAdded(Channel<?> channel) {
        loop.post(() -> connector.joins().gained(channel));
      }

      @Override
      public void lastHandlerRemoved(Channel<?> channel) {
        loop.post(() -> {
          connector.joins().lost(channel);
          presence.left(channel);
        });
      }
    });
    this.metrics = new Metrics(bus::handlerErrors);
    this.messageLog = new RingMessageLog(config.messageLogCapacity(), config.messageLogBytes());
    String prefix = config.name() + "-" + SEQ.incrementAndGet();
    this.loop = new Loop(prefix + "-loop");
    this.callbacks = new Callbacks(prefix + "-callbacks");
    AtomicInteger workers = new AtomicInteger();
    this.worker = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, prefix + "-worker-" + workers.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    Scheduler given = config.scheduler();
    if (given != null) {
      this.scheduler = given;
      this.ownScheduler = null;
    } else {
      SystemScheduler own = Scheduler.system(prefix + "-timer");
      this.scheduler = own;
      this.ownScheduler = own;
    }
    Timers timers = new Timers(scheduler, loop);
    this.listeners = new Listeners(callbacks, metrics);
    this.queue = new SendQueue(config.sendQueueCapacity());
    this.outbound = new Outbound(config.maxQueuedBytes(), queue, metrics);
    this.inbound = new Inbound(config.inboundEvents(), config.inboundBytes(), metrics);
    this.requests = new Requests(scheduler, worker, loop, callbacks, queue::remove);
    Backoff backoff = new Backoff(config.initialReconnectDelay(), config.maxReconnectDelay(),
        config.reconnectJitter());
    this.presence = new PresenceTracker(config.registry(), bus, callbacks, metrics, listeners,
        presenceFrames, this::presenceUpdate, config.requestTimeout());
    listeners.addState(s -> {
      if (!s.isReady()) {
        presence.connectionLost(); // on the callback thread, in order with the frames
      }
    });
    this.connector = new Connector(config, loop, timers, callbacks, worker, metrics, messageLog,
        codec, listeners, requests, queue, outbound, inbound, backoff, bus, refs, presence);
  }

  /** The settings this client was built with (for tests and diagnostics). */
  public ClientConfig config() {
    return config;
  }

  /** Events received and not yet handled now (for tests and diagnostics). */
  public int pendingInboundEvents() {
    return inbound.events();
  }

  /** The most events that waited for handlers at once (for tests and diagnostics). */
  public int inboundHighWater() {
    return inbound.highWater();
  }

  private boolean onClientThread() {
    return callbacks.isCurrentThread() || loop.isCurrentThread();
  }

  private <T> ClientFuture<T> future() {
    return new ClientFuture<>(this::onClientThread);
  }

  // =================================================================== public API

  @Override
  public CompletableFuture<Void> connect() {
    ClientFuture<Void> f = future();
    if (closed.get() || !loop.post(() -> connector.connect(f))) {
      f.completeExceptionally(closedException());
    }
    return f;
  }

  @Override
  public <E extends Event> ClientSubscription subscribe(Channel<E> channel,
      Consumer<? super E> handler) {
    checkKnown(channel);
    if (channel.family() == Channels.GLOBAL) {
      throw new IllegalArgumentException("'global' is not subscribed to: use state and error"
          + " listeners for connection-level events");
    }
    if (closed.get()) {
      throw new IllegalStateException("client is closed");
    }
    Subscription s = bus.on(channel, handler);
    ClientFuture<Void> joined = future();
    if (!loop.post(() -> connector.joins().await(channel, joined))) {
      joined.completeExceptionally(new CancellationException("client is closed"));
    }
    return new Handle(s, joined, connector.joins().recovery(), metrics);
  }

  @Override
  public <E extends Event> boolean send(Channel<E> channel, E event) {
    checkKnown(channel);
    Frame frame = codec.encode(channel, event);
    Frames.Outgoing o = new Frames.Outgoing(channel.name(), Frames.typeOf(channel, event), frame,
        null);
    checkSize(o);
    if (closed.get() || connector.terminal() || !outbound.reserve(o.bytes())) {
      return false;
    }
    if (!loop.post(() -> connector.sendOrQueue(o))) {
      outbound.release(o.bytes());
      return false;
    }
    return true;
  }

  @Override
  public <E extends Event> boolean sendIfReady(Channel<E> channel, E event) {
    checkKnown(channel);
    if (closed.get() || !connector.state().isReady()) {
      return false;
    }
    Frames.Outgoing o = new Frames.Outgoing(channel.name(), Frames.typeOf(channel, event),
        codec.encode(channel, event), null);
    checkSize(o);
    if (!outbound.reserve(o.bytes())) {
      return false;
    }
    if (!loop.post(() -> connector.sendIfReady(o))) {
      outbound.release(o.bytes());
      return false;
    }
    return true;
  }

  @Override
  public <E extends Event> CompletableFuture<Reply> request(Channel<E> channel, E event) {
    return request(channel, event, config.requestTimeout());
  }

  @Override
  public <E extends Event> CompletableFuture<Reply> request(Channel<E> channel, E event,
      Duration timeout) {
    checkKnown(channel);
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
    String ref = "r" + refs.incrementAndGet();
    Frame frame = codec.encode(channel, event, ref);
    Frames.Outgoing o = new Frames.Outgoing(channel.name(), Frames.typeOf(channel, event), frame,
        ref);
    return submit(channel, o, timeout);
  }

  /** Sends {@code presence_update} on {@code channel} as a request (see ChannelPresence). */
  private CompletableFuture<Reply> presenceUpdate(Channel<?> channel, Object meta,
      Duration timeout) {
    checkKnown(channel);
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
    String ref = "r" + refs.incrementAndGet();
    Frames.Outgoing o = new Frames.Outgoing(channel.name(), PresenceFrames.UPDATE,
        presenceFrames.update(channel.name(), meta, ref), ref);
    return submit(channel, o, timeout);
  }

  /** Queues or sends the request frame {@code o} and returns its reply's future. */
  private CompletableFuture<Reply> submit(Channel<?> channel, Frames.Outgoing o,
      Duration timeout) {
    String ref = Objects.requireNonNull(o.ref(), "ref");
    checkSize(o);
    ClientFuture<Reply> f = future();
    if (closed.get()) {
      f.completeExceptionally(closedException());
      return f;
    }
    if (connector.terminal()) {
      f.completeExceptionally(new ChannelException(ChannelException.CLIENT_CLOSED,
          "the client is closed (" + connector.state() + ")", channel.name(), null));
      return f;
    }
    if (!outbound.reserve(o.bytes())) {
      f.completeExceptionally(new ChannelException(ChannelException.QUEUE_FULL,
          "queued bytes at their cap of " + config.maxQueuedBytes(), channel.name(), null));
      return f;
    }
    if (!loop.post(() -> {
      requests.add(ref, channel.name(), f, timeout);
      connector.sendOrQueue(o);
    })) {
      outbound.release(o.bytes());
      f.completeExceptionally(closedException());
    }
    return f;
  }

  @Override
  public <T> T convert(@Nullable Object value, Class<T> type) {
    return codec.convert(value, type);
  }

  @Override
  public ConnectionState state() {
    return connector.state();
  }

  @Override
  public ListenerHandle addStateListener(Consumer<? super ConnectionState> listener) {
    return listeners.addState(listener);
  }

  @Override
  public ListenerHandle addErrorListener(Consumer<? super ClientError> listener) {
    return listeners.addError(listener);
  }

  @Override
  public void reconnect() {
    if (closed.get() || !loop.post(connector::manualReconnect)) {
      throw new IllegalStateException("client is closed");
    }
  }

  @Override
  public ClientMetrics metrics() {
    return metrics;
  }

  @Override
  public MessageLog messageLog() {
    return messageLog;
  }

  @Override
  public List<ActiveSubscription> subscriptions() {
    Map<String, Boolean> joined = Map.of();
    CompletableFuture<Map<String, Boolean>> f = new CompletableFuture<>();
    if (!loop.isCurrentThread()
        && loop.post(() -> f.complete(connector.joins().joinedByChannel()))) {
      try {
        joined = f.get(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        // closed: report what the bus knows
      }
    }
    List<ActiveSubscription> out = new ArrayList<>();
    for (Channel<?> c : bus.activeChannels()) {
      out.add(new ActiveSubscription(c, bus.handlerCount(c), joined.getOrDefault(c.name(), false)));
    }
    out.sort(Comparator.comparing(a -> a.channel().name()));
    return out;
  }

  @Override
  public ChannelPresence presence(Channel<?> channel) {
    checkKnown(channel);
    if (channel.family() == Channels.GLOBAL) {
      throw new IllegalArgumentException("'global' has no presence");
    }
    return presence.view(channel);
  }

  @Override
  public int queuedMessages() {
    return queue.size();
  }

  @Override
  public long queueSize() {
    return outbound.queueSize();
  }

  @Override
  public URI uri() {
    return config.uri();
  }

  /**
   * Bounded: about 1 s for the loop to let go, 1 s for the close handshake (then the socket is
   * dropped) and 0.5 s more for its threads, 1 s for queued callbacks. Futures are failed on
   * this thread, so a stuck handler cannot hold them back.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    CompletableFuture<Connector.Shutdown> done = new CompletableFuture<>();
    loop.post(() -> done.complete(connector.shutdown()));
    Connector.Shutdown result = null;
    try {
      result = done.get(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      log.warn("Client shutdown did not finish in time: {}", e.toString());
    }
    try {
      loop.shutdown(500);
      if (result != null) {
        ChannelException e = closedException();
        result.failing().forEach(f -> f.completeExceptionally(e));
        result.cancelling().forEach(f -> f.cancel(false));
        awaitSockets(result.sockets());
      }
      worker.shutdownNow();
      if (!worker.awaitTermination(500, TimeUnit.MILLISECONDS)) { // idle workers end at once
        log.warn("A worker thread (token supplier?) is still running 500 ms after close");
      }
      if (ownScheduler != null) {
        ownScheduler.close();
      }
      callbacks.shutdown(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void awaitSockets(List<TransportSocket> sockets) throws InterruptedException {
    long deadline = System.nanoTime() + Connector.CLOSE_GRACE.toNanos();
    for (TransportSocket s : sockets) {
      if (!s.awaitTermination(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
        s.abort(); // no close handshake in time: drop the TCP connection
      }
    }
    for (TransportSocket s : sockets) {
      if (!s.awaitTermination(Duration.ofMillis(500))) {
        log.warn("A socket's threads did not end within 500 ms after it was dropped");
      }
    }
  }

  // =================================================================== helpers

  private void checkSize(Frames.Outgoing o) {
    if (o.bytes() > config.maxFrameSize()) {
      throw new IllegalArgumentException("frame of " + o.bytes() + " bytes (" + o.type() + " on "
          + o.channel() + ") is over the frame limit of " + config.maxFrameSize() + " bytes");
    }
  }

  private static ChannelException closedException() {
    return new ChannelException(ChannelException.CLIENT_CLOSED, "the client is closed", null,
        null);
  }

  private void checkKnown(Channel<?> channel) {
    if (config.registry().family(channel.family().name()).orElse(null) != channel.family()) {
      throw new IllegalArgumentException("family '" + channel.family().name()
          + "' is not in the client's registry");
    }
  }

  /** What {@link #subscribe} returns. */
  private static final class Handle implements ClientSubscription, Recovery.Observer {
    private final Subscription subscription;
    private final CompletableFuture<Void> joined;
    private final Recovery recovery;
    private final Metrics metrics;
    private final Runnable unobserve;
    private final List<Consumer<? super Subscribed>> onSubscribed =
        new CopyOnWriteArrayList<>();
    private final List<Consumer<? super Subscribed>> onStale = new CopyOnWriteArrayList<>();

    Handle(Subscription subscription, CompletableFuture<Void> joined, Recovery recovery,
        Metrics metrics) {
      this.subscription = subscription;
      this.joined = joined;
      this.recovery = recovery;
      this.metrics = metrics;
      this.unobserve = recovery.observe(subscription.channel().name(), this);
    }

    @Override
    public @Nullable Subscribed subscribed() {
      return recovery.latest(subscription.channel().name());
    }

    @Override
    public ListenerHandle onSubscribed(Consumer<? super Subscribed> listener) {
      onSubscribed.add(listener);
      return () -> onSubscribed.remove(listener);
    }

    @Override
    public ListenerHandle onStale(Consumer<? super Subscribed> listener) {
      onStale.add(listener);
      return () -> onStale.remove(listener);
    }

    @Override
    public void subscribed(Subscribed s) {
      Recovery.fire(onSubscribed, s, metrics, "Subscribed");
      if (s.stale()) {
        Recovery.fire(onStale, s, metrics, "Stale");
      }
    }

    @Override
    public CompletableFuture<Void> joined() {
      return joined;
    }

    @Override
    public Channel<?> channel() {
      return subscription.channel();
    }

    @Override
    public void close() {
      unobserve.run();
      subscription.close();
      joined.cancel(false);
    }
  }
}
