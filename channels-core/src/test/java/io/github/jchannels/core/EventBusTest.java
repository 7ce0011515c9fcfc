package io.github.jchannels.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class EventBusTest {
  private final Channel<SessionEvent> session = Channels.session("123");

  @Test
  void subscribesToChannelAndReceivesEvents() {
    EventBus bus = new EventBus();
    List<SessionEvent> received = new ArrayList<>();
    bus.on(session, received::add);
    SessionEvent event = new SessionEvent.StreamOutput("123", "test", 1);

    assertThat(bus.emit(session, event)).isEqualTo(1);

    assertThat(received).containsExactly(event);
  }

  @Test
  void multipleHandlersOnSameChannel() {
    EventBus bus = new EventBus();
    AtomicInteger h1 = new AtomicInteger();
    AtomicInteger h2 = new AtomicInteger();
    bus.on(session, e -> h1.incrementAndGet());
    bus.on(session, e -> h2.incrementAndGet());

    bus.emit(session, new SessionEvent.SessionError("123", "test"));

    assertThat(h1).hasValue(1);
    assertThat(h2).hasValue(1);
  }

  @Test
  void handlersIsolatedFromErrors() {
    EventBus bus = new EventBus();
    AtomicInteger h1 = new AtomicInteger();
    AtomicInteger h2 = new AtomicInteger();
    bus.on(session, e -> {
      h1.incrementAndGet();
      throw new IllegalStateException("Handler 1 failed");
    });
    bus.on(session, e -> h2.incrementAndGet());

    bus.emit(session, new SessionEvent.StreamOutput("123", "test", 1));
    bus.emit(session, new SessionEvent.StreamOutput("123", "again", 2));

    assertThat(h1).hasValue(2);
    assertThat(h2).hasValue(2);
    assertThat(bus.handlerErrors()).isEqualTo(2);
  }

  @Test
  void handlersReceiveTheFamilysSealedTypeForAnExhaustiveSwitch() {
    EventBus bus = new EventBus();
    List<String> seen = new ArrayList<>();
    bus.on(session, event -> {
      String what = switch (event) {
        case SessionEvent.StreamOutput o -> "stream " + o.message();
        case SessionEvent.MessageComplete c -> "done " + c.messageId();
        case SessionEvent.SessionError e -> "error";
        case SessionEvent.SubscribeSuccess s -> "welcome";
        case SessionEvent.ProgressUpdate p -> "progress";
        case SessionEvent.TypingIndicator t -> "typing";
        case SessionEvent.SendMessage m -> "send";
      };
      seen.add(what);
    });
    bus.emit(session, new SessionEvent.StreamOutput("123", "a", 1));
    bus.emit(session, new SessionEvent.MessageComplete("123", "m"));
    assertThat(seen).containsExactly("stream a", "done m");
  }

  @Test
  void eventsOfAnotherFamilyAreNotDelivered() {
    EventBus bus = new EventBus();
    AtomicInteger calls = new AtomicInteger();
    bus.on(session, e -> calls.incrementAndGet());
    assertThat(bus.emit(session, new ShellEvent.Output("x"))).isZero();
    assertThat(calls).hasValue(0);
  }

  @Test
  void closingTheHandleUnsubscribesAndIsIdempotent() {
    EventBus bus = new EventBus();
    AtomicInteger calls = new AtomicInteger();
    Subscription sub = bus.on(session, e -> calls.incrementAndGet());
    sub.close();
    sub.close();
    bus.emit(session, new SessionEvent.SubscribeSuccess("123"));
    assertThat(calls).hasValue(0);
    assertThat(bus.activeChannels()).isEmpty();
    assertThat(bus.handlerCount(session)).isZero();
  }

  @Test
  void otherChannelsAreNotDelivered() {
    EventBus bus = new EventBus();
    AtomicInteger calls = new AtomicInteger();
    bus.on(session, e -> calls.incrementAndGet());
    assertThat(bus.emit(Channels.session("other"), new SessionEvent.SubscribeSuccess("other")))
        .isZero();
    assertThat(calls).hasValue(0);
  }

  @Test
  void activeChannelsAreListed() {
    EventBus bus = new EventBus();
    Subscription a = bus.on(session, e -> { });
    bus.on(Channels.shell("t"), e -> { });
    bus.on(WorkflowEvent.FAMILY.channel("run:1"), e -> { });
    assertThat(bus.activeChannels()).containsExactlyInAnyOrder(
        session, Channels.shell("t"), WorkflowEvent.FAMILY.channel("run:1"));
    a.close();
    assertThat(bus.activeChannels()).doesNotContain(session);
  }

  @Test
  void listenerHearsFirstAndLastHandlerOncePerChannel() {
    List<String> calls = new CopyOnWriteArrayList<>();
    EventBus bus = new EventBus(new EventBus.Listener() {
      @Override
      public void firstHandlerAdded(Channel<?> channel) {
        calls.add("first " + channel);
      }

      @Override
      public void lastHandlerRemoved(Channel<?> channel) {
        calls.add("last " + channel);
      }
    });
    Subscription a = bus.on(session, e -> { });
    Subscription b = bus.on(session, e -> { });
    a.close();
    b.close();
    bus.on(session, e -> { });
    bus.clear();
    assertThat(calls).containsExactly("first session:123", "last session:123",
        "first session:123", "last session:123");
  }

  @Test
  void concurrentSubscribersAndEmittersKeepTheBusConsistent() throws Exception {
    AtomicInteger firsts = new AtomicInteger();
    AtomicInteger lasts = new AtomicInteger();
    EventBus bus = new EventBus(new EventBus.Listener() {
      @Override
      public void firstHandlerAdded(Channel<?> channel) {
        firsts.incrementAndGet();
      }

      @Override
      public void lastHandlerRemoved(Channel<?> channel) {
        lasts.incrementAndGet();
      }
    });
    AtomicInteger stable = new AtomicInteger();
    bus.on(session, e -> stable.incrementAndGet());
    int threads = 8;
    int rounds = 2_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      futures.add(pool.submit(() -> {
        start.await();
        for (int i = 0; i < rounds; i++) {
          if (id % 2 == 0) {
            bus.emit(session, new SessionEvent.SubscribeSuccess("123"));
          } else {
            Subscription s = bus.on(Channels.session("c" + id), e -> { });
            try {
              bus.on(session, e -> { }).close();
            } finally {
              s.close();
            }
          }
        }
        return null;
      }));
    }
    start.countDown();
    for (var f : futures) {
      f.get(30, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertThat(stable).hasValue(threads / 2 * rounds);
    assertThat(bus.activeChannels()).containsExactly(session);
    assertThat(bus.handlerCount(session)).isEqualTo(1);
    assertThat(firsts.get() - lasts.get()).isEqualTo(1);
  }
}
