package io.github.jchannels.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.Event;
import io.github.jchannels.core.Reply;
import io.github.jchannels.core.SessionEvent;
import io.github.jchannels.core.SessionEvent.MessageComplete;
import io.github.jchannels.core.SessionEvent.ProgressUpdate;
import io.github.jchannels.core.SessionEvent.SendMessage;
import io.github.jchannels.core.SessionEvent.StreamOutput;
import io.github.jchannels.server.Publisher;
import io.github.jchannels.server.Request;
import java.security.Principal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FakeAgentTest {
  private final FakeAgent agent = new FakeAgent(Duration.ZERO);
  private final BlockingQueue<Event> broadcasts = new LinkedBlockingQueue<>();
  private final Publisher recording = new Publisher() {
    @Override
    public <E extends Event> int broadcast(Channel<E> channel, E event) {
      broadcasts.add(event);
      return 1;
    }

    @Override
    public <E extends Event> boolean send(String connectionId, Channel<E> channel, E event) {
      return true;
    }

    @Override
    public <E extends Event> int notice(Channel<E> channel, E event) {
      return 0;
    }
  };

  @AfterEach
  void close() {
    agent.close();
  }

  @Test
  void repliesOkThenStreamsTheMessageWordByWordAndCompletes() throws Exception {
    FakeRequest request = new FakeRequest(new SendMessage("hello streaming world"));
    agent.onSendMessage(request);

    assertThat(request.reply).isNotNull();
    assertThat(request.reply.isOk()).isTrue();
    String messageId = (String) ((Map<?, ?>) request.reply.response()).get("messageId");

    StringBuilder text = new StringBuilder();
    for (int i = 1; i <= 3; i++) {
      StreamOutput out = (StreamOutput) take();
      assertThat(out.sessionId()).isEqualTo("s1");
      text.append(out.message());
      ProgressUpdate p = (ProgressUpdate) take();
      assertThat(p.progress()).isEqualTo(i);
      assertThat(p.total()).isEqualTo(3);
    }
    assertThat(text).hasToString("hello streaming world");
    assertThat(take()).isEqualTo(new MessageComplete("s1", messageId));
  }

  @Test
  void blankMessageIsRefusedWithAnErrorReply() {
    FakeRequest request = new FakeRequest(new SendMessage("   "));
    agent.onSendMessage(request);
    assertThat(request.reply.isOk()).isFalse();
    assertThat(broadcasts).isEmpty();
  }

  @Test
  void wordsKeepTheirSpacesSoConcatenationRebuildsTheText() {
    assertThat(FakeAgent.words("a b  c")).isEqualTo(List.of("a ", "b ", "c"));
    assertThat(FakeAgent.words("one")).isEqualTo(List.of("one"));
  }

  private Event take() throws InterruptedException {
    Event e = broadcasts.poll(5, TimeUnit.SECONDS);
    assertThat(e).as("a broadcast within 5 s").isNotNull();
    return e;
  }

  /** A request as the server hands it to a handler. */
  private final class FakeRequest implements Request<SessionEvent, SendMessage> {
    private final SendMessage event;
    private final ConcurrentMap<String, Object> attributes = new ConcurrentHashMap<>();
    @Nullable Reply reply;

    FakeRequest(SendMessage event) {
      this.event = event;
    }

    @Override
    public Channel<SessionEvent> channel() {
      return Channels.session("s1");
    }

    @Override
    public SendMessage event() {
      return event;
    }

    @Override
    public String ref() {
      return "1";
    }

    @Override
    public String connectionId() {
      return "c1";
    }

    @Override
    public Principal principal() {
      return new DemoApp.DemoUser("demo");
    }

    @Override
    public ConcurrentMap<String, Object> attributes() {
      return attributes;
    }

    @Override
    public void reply(Reply r) {
      if (reply != null) {
        throw new IllegalStateException("replied twice");
      }
      reply = r;
    }

    @Override
    public boolean replied() {
      return reply != null;
    }

    @Override
    public Publisher publisher() {
      return recording;
    }
  }
}
