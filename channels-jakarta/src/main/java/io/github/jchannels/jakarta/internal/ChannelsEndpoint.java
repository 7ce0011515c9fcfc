package io.github.jchannels.jakarta.internal;

import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.PongMessage;
import jakarta.websocket.Session;
import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The container's endpoint instance for one connection: a new one per upgrade, bound to its
 * {@link JakartaConnection}. Text arrives in parts, joined here up to the frame limit (over it:
 * close 1009 through the connection's own close, after the frames already queued, so the peer
 * reads the close frame: Tomcat's own 1009 drops the socket right after it); the container
 * decodes UTF-8 across parts and closes invalid text with 1007. Binary arrives in parts too, so
 * the first part is refused (1003) before anything is buffered.
 */
public final class ChannelsEndpoint extends Endpoint {
  private static final Logger log = LoggerFactory.getLogger(ChannelsEndpoint.class);

  private final JakartaConnection connection;
  private final int maxMessageBytes;

  ChannelsEndpoint(JakartaConnection connection, int maxMessageBytes) {
    this.connection = connection;
    this.maxMessageBytes = maxMessageBytes;
  }

  @Override
  public void onOpen(Session session, EndpointConfig config) {
    session.addMessageHandler(String.class, new TextAssembler(connection, maxMessageBytes));
    session.addMessageHandler(ByteBuffer.class, new MessageHandler.Partial<ByteBuffer>() {
      private boolean seen;

      @Override
      public void onMessage(ByteBuffer part, boolean last) {
        if (!seen) {
          seen = true;
          connection.binary(part);
        }
        if (last) {
          seen = false;
        }
      }
    });
    session.addMessageHandler(PongMessage.class,
        (MessageHandler.Whole<PongMessage>) p -> connection.pongReceived(p.getApplicationData()));
    connection.bind(session);
  }

  @Override
  public void onClose(Session session, CloseReason reason) {
    String phrase = reason.getReasonPhrase();
    connection.closedBy(reason.getCloseCode().getCode(), phrase == null ? "" : phrase);
  }

  @Override
  public void onError(Session session, Throwable error) {
    log.debug("WebSocket error on {}: {}", connection, error.toString());
  }
}
