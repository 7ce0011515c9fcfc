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
 * {@link JakartaConnection}. Text arrives whole (the container joins fragments, bounded by the
 * max text message size set to the frame limit: over it the container closes with 1009);
 * binary arrives in parts so the first part is refused (1003) before anything is buffered.
 */
public final class ChannelsEndpoint extends Endpoint {
  private static final Logger log = LoggerFactory.getLogger(ChannelsEndpoint.class);

  private final JakartaConnection connection;

  ChannelsEndpoint(JakartaConnection connection) {
    this.connection = connection;
  }

  @Override
  public void onOpen(Session session, EndpointConfig config) {
    session.addMessageHandler(String.class, (MessageHandler.Whole<String>) connection::text);
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
