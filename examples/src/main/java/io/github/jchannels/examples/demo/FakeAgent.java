package io.github.jchannels.examples.demo;

import io.github.jchannels.core.Channel;
import io.github.jchannels.core.Reply;
import io.github.jchannels.core.SessionEvent;
import io.github.jchannels.core.SessionEvent.MessageComplete;
import io.github.jchannels.core.SessionEvent.ProgressUpdate;
import io.github.jchannels.core.SessionEvent.SendMessage;
import io.github.jchannels.core.SessionEvent.StreamOutput;
import io.github.jchannels.core.SessionEvent.TypingIndicator;
import io.github.jchannels.server.Publisher;
import io.github.jchannels.server.Request;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pretend AI agent: on {@code send_message} it replies ok at once, then streams the message
 * back word by word to every subscriber of the session as {@code stream_output}, with a
 * {@code progress_update} after each word, and ends with {@code message_complete}.
 *
 * <p>It depends on {@link Publisher} only, not on the server: domain code emits, the server
 * delivers. One stream at a time per session (a {@code stream_output} carries no message id,
 * so two interleaved streams could not be told apart); streams of different sessions run in
 * parallel on virtual threads. {@link #close()} stops every stream.
 */
public final class FakeAgent implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FakeAgent.class);

  private final Duration wordDelay;
  private final ExecutorService streams = Executors.newVirtualThreadPerTaskExecutor();
  /** One fair lock per session id: streams of a session go out one after the other. */
  private final Map<String, ReentrantLock> sessionLocks = new ConcurrentHashMap<>();
  private final Set<String> running = ConcurrentHashMap.newKeySet();
  private final AtomicLong messageIds = new AtomicLong();

  /** An agent pausing {@code wordDelay} between two words. */
  public FakeAgent(Duration wordDelay) {
    if (wordDelay.isNegative()) {
      throw new IllegalArgumentException("wordDelay must not be negative: " + wordDelay);
    }
    this.wordDelay = wordDelay;
  }

  /** The handler of {@code send_message}: replies ok with the message id, then streams. */
  public void onSendMessage(Request<SessionEvent, SendMessage> request) {
    Channel<SessionEvent> channel = request.channel();
    String sessionId = channel.id().orElseThrow();
    String text = request.event().message().strip();
    if (text.isEmpty()) {
      request.reply(Reply.error("empty_message", "Say something"));
      return;
    }
    String messageId = "m" + messageIds.incrementAndGet();
    request.reply(Reply.ok(Map.of("messageId", messageId)));
    Publisher publisher = request.publisher();
    streams.execute(() -> stream(publisher, channel, sessionId, messageId, text));
  }

  /** The handler of {@code typing_indicator}: relays it to everyone on the session. */
  public void onTyping(Request<SessionEvent, TypingIndicator> request) {
    TypingIndicator t = request.event();
    String sessionId = request.channel().id().orElseThrow();
    request.publisher().broadcast(request.channel(),
        new TypingIndicator(sessionId, t.userId(), t.userName(), t.isTyping()));
  }

  private void stream(Publisher publisher, Channel<SessionEvent> channel, String sessionId,
      String messageId, String text) {
    ReentrantLock lock = sessionLocks.computeIfAbsent(sessionId, k -> new ReentrantLock(true));
    lock.lock();
    running.add(messageId);
    try {
      List<String> words = words(text);
      for (int i = 0; i < words.size(); i++) {
        publisher.broadcast(channel,
            new StreamOutput(sessionId, words.get(i), System.currentTimeMillis()));
        publisher.broadcast(channel,
            new ProgressUpdate(sessionId, i + 1, words.size(), "word " + (i + 1)));
        Thread.sleep(wordDelay);
      }
      publisher.broadcast(channel, new MessageComplete(sessionId, messageId));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      log.warn("stream {} on {} failed", messageId, channel.name(), e);
    } finally {
      running.remove(messageId);
      lock.unlock();
    }
  }

  /** Splits into words, each but the last keeping the space after it. */
  static List<String> words(String text) {
    String[] parts = text.split(" +", -1);
    List<String> out = new ArrayList<>(parts.length);
    for (int i = 0; i < parts.length; i++) {
      out.add(i < parts.length - 1 ? parts[i] + " " : parts[i]);
    }
    return out;
  }

  /** Streams in progress now. */
  public int streamsInProgress() {
    return running.size();
  }

  @Override
  public void close() {
    streams.shutdownNow();
  }
}
