package io.github.jchannels.core.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.jchannels.core.Frame;
import io.github.jchannels.core.transport.CloseCodes;
import io.github.jchannels.core.transport.Connection;
import io.github.jchannels.core.transport.ConnectionHandler;
import java.security.Principal;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class InMemoryTransportTest {
  private final List<String> calls = new CopyOnWriteArrayList<>();
  private final ConnectionHandler echo = new ConnectionHandler() {
    @Override
    public void onOpen(Connection c) {
      calls.add("open " + c.id() + " " + (c.principal() == null ? "-" : c.principal().getName()));
    }

    @Override
    public void onText(Connection c, String text) {
      calls.add("text " + text);
      c.send(new Frame("echo:" + text));
    }

    @Override
    public void onClose(Connection c, int code, String reason) {
      calls.add("close " + code);
    }
  };

  @Test
  void aTestPlaysThePeerAndAwaitsWhatTheHandlerSends() {
    try (InMemoryTransport transport = new InMemoryTransport(echo)) {
      Principal alice = () -> "alice";
      InMemoryConnection c = transport.open(alice);
      c.receive("hello");
      assertThat(c.takeText(Duration.ofSeconds(1))).isEqualTo("echo:hello");
      c.closeFromPeer(CloseCodes.NORMAL, "bye");
      assertThat(c.isOpen()).isFalse();
      assertThatThrownBy(() -> c.receive("late")).isInstanceOf(IllegalStateException.class);
      assertThat(calls).containsExactly("open mem-1 alice", "text hello", "close 1000");
    }
  }

  @Test
  void closingTheTransportClosesOpenConnectionsWithGoingAway() {
    InMemoryTransport transport = new InMemoryTransport(echo);
    InMemoryConnection a = transport.open();
    InMemoryConnection b = transport.open();
    b.closeFromPeer(CloseCodes.NORMAL, "");
    transport.close();
    assertThat(a.awaitClose(Duration.ofSeconds(1))).isEqualTo(CloseCodes.GOING_AWAY);
    assertThat(b.closeCode()).isEqualTo(CloseCodes.NORMAL);
    assertThat(calls).filteredOn(s -> s.startsWith("close"))
        .containsExactly("close 1000", "close 1001");
  }

  @Test
  void bufferedBytesCanBeSimulatedForSlowConsumerTests() {
    InMemoryConnection c = InMemoryConnection.recording("slow");
    c.setBufferedBytes(5_000_000);
    assertThat(c.bufferedBytes()).isEqualTo(5_000_000);
  }
}
