package io.github.jchannels.server.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SocketChannel;

/**
 * The socket channel as Java-WebSocket sees it: writes go through the connection so it can
 * count its queued bytes; reads before the handshake completes are capped, because
 * Java-WebSocket buffers an incomplete handshake without bound.
 */
final class CountingChannel implements ByteChannel {
  private final SocketChannel channel;
  private final WsConnection connection;
  private final int maxHandshakeSize;

  CountingChannel(SocketChannel channel, WsConnection connection, int maxHandshakeSize) {
    this.channel = channel;
    this.connection = connection;
    this.maxHandshakeSize = maxHandshakeSize;
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    int n = channel.read(dst);
    if (n > 0 && connection.state() == WsConnection.State.HANDSHAKING) {
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
  public boolean isOpen() {
    return channel.isOpen();
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
