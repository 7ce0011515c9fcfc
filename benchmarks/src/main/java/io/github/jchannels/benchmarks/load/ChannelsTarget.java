package io.github.jchannels.benchmarks.load;

import io.github.jchannels.server.ChannelServer;
import io.github.jchannels.server.ServerMetrics;

/** The channels server with its defaults, on 127.0.0.1, any free port. */
public final class ChannelsTarget implements Target {
  private final ChannelServer server;

  /** Builds and starts the server. */
  public ChannelsTarget() {
    server = ChannelServer.builder().host("127.0.0.1").port(0).build().start();
  }

  /** The server (for metrics). */
  public ChannelServer server() {
    return server;
  }

  @Override
  public String name() {
    return "channels";
  }

  @Override
  public LoadClient.Protocol protocol() {
    return LoadClient.Protocol.CHANNELS;
  }

  @Override
  public String path() {
    return server.path();
  }

  @Override
  public int port() {
    return server.port();
  }

  @Override
  public int receivers() {
    return server.subscriberCount(Payload.CHANNEL);
  }

  @Override
  public void broadcast(long seq, long sentNanos) {
    server.broadcast(Payload.CHANNEL, Payload.event(seq, sentNanos));
  }

  @Override
  public long serialisations() {
    ServerMetrics m = server.metrics();
    return m.encodedFrames();
  }

  @Override
  public void close() {
    server.close();
  }
}
