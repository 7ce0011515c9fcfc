package io.github.jchannels.client.transport;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.jspecify.annotations.Nullable;

/**
 * What one connection attempt asks of a transport.
 *
 * @param uri the server ({@code ws://} or {@code wss://})
 * @param headers handshake headers, {@code Authorization} included when a token was supplied
 * @param connectTimeout how long opening the TCP connection may take
 * @param maxFrameSize the largest text message accepted from the server, in UTF-8 bytes (a
 *     transport may count characters, which is never more); over it the transport closes with
 *     1009
 * @param sslContext the TLS context for {@code wss://}; null for the JVM's default
 * @param sslParameters TLS parameters (protocols, cipher suites, SNI ...); null for the
 *     defaults. Host name verification stays on unless these parameters turn it off.
 * @param proxy an HTTP proxy reached with {@code CONNECT}; null for a direct connection
 */
public record TransportRequest(URI uri, Map<String, String> headers, Duration connectTimeout,
    int maxFrameSize, @Nullable SSLContext sslContext, @Nullable SSLParameters sslParameters,
    @Nullable InetSocketAddress proxy) {
  /** Copies the headers. */
  public TransportRequest {
    headers = Map.copyOf(headers);
  }
}
