package io.github.jchannels.core.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class FakeSchedulerTest {
  private final FakeScheduler time = new FakeScheduler();
  private final List<String> ran = new ArrayList<>();

  @Test
  void tasksRunOnlyWhenTimeReachesTheirDelayInDueOrder() {
    time.schedule(Duration.ofSeconds(5), () -> ran.add("five"));
    time.schedule(Duration.ofSeconds(1), () -> ran.add("one"));
    time.schedule(Duration.ofSeconds(1), () -> ran.add("one-later"));

    time.advance(Duration.ofMillis(999));
    assertThat(ran).isEmpty();
    time.advance(Duration.ofMillis(1));
    assertThat(ran).containsExactly("one", "one-later");
    time.advance(Duration.ofSeconds(4));
    assertThat(ran).containsExactly("one", "one-later", "five");
    assertThat(time.pending()).isZero();
  }

  @Test
  void aTaskSeesTheClockAtItsOwnDueTime() {
    AtomicLong seen = new AtomicLong(-1);
    time.schedule(Duration.ofSeconds(2), () -> seen.set(time.nanoTime()));
    time.advance(Duration.ofSeconds(10));
    assertThat(seen.get()).isEqualTo(Duration.ofSeconds(2).toNanos());
    assertThat(time.elapsed()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void tasksScheduledByTasksRunWithinTheSameAdvance() {
    Runnable[] tick = new Runnable[1];
    tick[0] = () -> {
      ran.add("tick@" + time.elapsed().toSeconds());
      time.schedule(Duration.ofSeconds(30), tick[0]);
    };
    time.schedule(Duration.ofSeconds(30), tick[0]);
    time.advance(Duration.ofSeconds(95));
    assertThat(ran).containsExactly("tick@30", "tick@60", "tick@90");
    assertThat(time.nextDelay()).contains(Duration.ofSeconds(25));
  }

  @Test
  void cancelledTasksNeverRun() {
    Cancellable c = time.schedule(Duration.ofSeconds(1), () -> ran.add("x"));
    assertThat(c.cancel()).isTrue();
    assertThat(c.cancel()).isFalse();
    time.advance(Duration.ofSeconds(2));
    assertThat(ran).isEmpty();
  }

  @Test
  void wallClockFollowsMonotonicTime() {
    long start = time.currentTimeMillis();
    assertThat(start).isEqualTo(FakeScheduler.DEFAULT_START.toEpochMilli());
    time.advance(Duration.ofMillis(1500));
    assertThat(time.currentTimeMillis()).isEqualTo(start + 1500);
  }

  @Test
  void aThrowingTaskFailsTheAdvance() {
    time.schedule(Duration.ofSeconds(1), () -> {
      throw new IllegalStateException("boom");
    });
    time.schedule(Duration.ofSeconds(2), () -> ran.add("later"));
    assertThatThrownBy(() -> time.advance(Duration.ofSeconds(3)))
        .isInstanceOf(IllegalStateException.class).hasMessage("boom");
    assertThat(time.elapsed()).isEqualTo(Duration.ofSeconds(1));
    time.advance(Duration.ofSeconds(1));
    assertThat(ran).containsExactly("later");
  }

  @Test
  void negativeAdvanceIsRejected() {
    assertThatThrownBy(() -> time.advance(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("backwards");
  }

  @Test
  void awaitPendingReturnsOnceAnotherThreadArmsATimer() throws InterruptedException {
    CountDownLatch go = new CountDownLatch(1);
    Thread armer = new Thread(() -> {
      try {
        go.await();
      } catch (InterruptedException e) {
        return;
      }
      time.schedule(Duration.ofSeconds(1), () -> ran.add("armed"));
    });
    armer.start();
    go.countDown();
    time.awaitPending(1, Duration.ofSeconds(10));
    armer.join(TimeUnit.SECONDS.toMillis(10));
    time.advance(Duration.ofSeconds(1));
    assertThat(ran).containsExactly("armed");
  }

  @Test
  void awaitPendingFailsWithACountWhenNothingArrives() {
    assertThatThrownBy(() -> time.awaitPending(1, Duration.ofMillis(20)))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("expected at least 1 pending tasks");
  }

  @Test
  void systemSchedulerRunsTasksAndStopsItsThreadOnClose() throws InterruptedException {
    CountDownLatch done = new CountDownLatch(1);
    Thread[] timer = new Thread[1];
    try (SystemScheduler s = Scheduler.system("fake-scheduler-test")) {
      s.schedule(Duration.ZERO, () -> {
        timer[0] = Thread.currentThread();
        done.countDown();
      });
      assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(timer[0].getName()).isEqualTo("fake-scheduler-test");
      assertThat(timer[0].isDaemon()).isTrue();
    }
    // close() has joined the thread: checked at once, no waiting here
    assertThat(timer[0].isAlive()).isFalse();
  }

  @Test
  void aSystemSchedulerClosedFromItsOwnTaskStopsAndItsThreadEnds()
      throws InterruptedException {
    CountDownLatch closed = new CountDownLatch(1);
    Thread[] timer = new Thread[1];
    SystemScheduler s = Scheduler.system("fake-scheduler-self-close");
    s.schedule(Duration.ZERO, () -> {
      timer[0] = Thread.currentThread();
      s.close();
      closed.countDown();
    });
    assertThat(closed.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(s.isClosed()).isTrue();
    timer[0].join(TimeUnit.SECONDS.toMillis(10));
    assertThat(timer[0].isAlive()).isFalse();
  }

  @Test
  void systemSchedulerDropsTasksAfterClose() {
    SystemScheduler s = Scheduler.system("closed-scheduler-test");
    s.close();
    assertThat(s.isClosed()).isTrue();
    assertThat(s.schedule(Duration.ZERO, () -> ran.add("x"))).isSameAs(Cancellable.NONE);
  }
}
