package io.github.jchannels.server.internal.jws;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import org.java_websocket.WrappedByteChannel;

/**
 * The socket channel (plain, or TLS-wrapped) as Java-WebSocket sees it: writes go through the
 * connection so it can count its queued bytes; reads before the handshake completes are
 * capped, because Java-WebSocket buffers an incomplete handshake without bound; reads pause
 * while the core asks for backpressure; and the close of a connection that never opened is
 * reported, because Java-WebSocket calls {@code onClose} only for opened ones.
 */
final class CountingChannel implements WrappedByteChannel {
  private final ByteChannel channel;
  private final JwsConnection connection;
  private final int maxHandshakeSize;

  CountingChannel(ByteChannel channel, JwsConnection connection, int maxHandshakeSize) {
    this.channel = channel;
    this.connection = connection;
    this.maxHandshakeSize = maxHandshakeSize;
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    if (connection.readingPaused()) {
      return 0;
    }
    return counted(channel.read(dst));
  }

  private int counted(int n) throws IOException {
    if (n > 0 && connection.handshaking()) {
      connection.handshakeBytes += n;
      if (connection.handshakeBytes > maxHandshakeSize) {
        throw new IOException("handshake larger than " + maxHandshakeSize + " bytes");
      }
    }
    return n;
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    return connection.write(channel, src);
  }

  @Override
  public boolean isNeedWrite() {
    return channel instanceof WrappedByteChannel w && w.isNeedWrite();
  }

  @Override
  public void writeMore() throws IOException {
    if (channel instanceof WrappedByteChannel w) {
      w.writeMore();
    }
  }

  @Override
  public boolean isNeedRead() {
    // while paused, claim nothing is buffered: else the selector would spin in readMore
    return !connection.readingPaused() && channel instanceof WrappedByteChannel w
        && w.isNeedRead();
  }

  @Override
  public int readMore(ByteBuffer dst) throws IOException {
    if (connection.readingPaused()) {
      return 0;
    }
    return channel instanceof WrappedByteChannel w ? counted(w.readMore(dst)) : 0;
  }

  @Override
  public boolean isBlocking() {
    return channel instanceof WrappedByteChannel w && w.isBlocking();
  }

  @Override
  public boolean isOpen() {
    return channel.isOpen();
  }

  @Override
  public void close() throws IOException {
    try {
      channel.close();
    } finally {
      connection.channelClosed();
    }
  }
}
