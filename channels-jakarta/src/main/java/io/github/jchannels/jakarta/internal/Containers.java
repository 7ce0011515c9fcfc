package io.github.jchannels.jakarta.internal;

import io.github.jchannels.server.ServerLimits;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Session;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the Jakarta WebSocket API leaves to each container, found by reflection on the session's
 * class so that no container is a compile-time dependency (NOTES.md, "Jakarta WebSocket"):
 *
 * <ul>
 *   <li>pause/resume reading: Tomcat's {@code WsSession.suspend()}/{@code resume()}; Jetty's
 *       Jakarta session has none (reading is never paused there);</li>
 *   <li>abort: Jetty's {@code JakartaWebSocketSession.abort()}; Tomcat's remote endpoint's
 *       {@code close()} (its {@code WsSession.wsRemoteEndpoint}), which closes the socket even
 *       during a close handshake;</li>
 *   <li>message and frame size: Jetty's session has limits of its own (64 KiB by default),
 *       raised to the frame limit; Tomcat's text buffer is left at its 8 KiB (only the size of
 *       a part with a partial handler, and allocated per session);</li>
 *   <li>Tomcat's blocking-send timeout (close and ping frames), bounded by the close timeout.</li>
 * </ul>
 */
final class Containers {
  private static final Logger log = LoggerFactory.getLogger(Containers.class);
  /** Tomcat's session property for the timeout of blocking sends (close, ping), in ms. */
  static final String TOMCAT_BLOCKING_SEND_TIMEOUT =
      "org.apache.tomcat.websocket.BLOCKING_SEND_TIMEOUT";
  /** Tomcat's session property: how long it waits for the peer's close frame, in ms. */
  static final String TOMCAT_SESSION_CLOSE_TIMEOUT =
      "org.apache.tomcat.websocket.SESSION_CLOSE_TIMEOUT";

  /** Methods of one session class; null where that container has none. */
  record Quirks(@Nullable Method suspend, @Nullable Method resume, @Nullable Method abort,
      @Nullable Method doClose, @Nullable Method coreSession, @Nullable Field tomcatRemote,
      @Nullable Method isClosed) {
    boolean canPause() {
      return suspend != null && resume != null;
    }
  }

  private static final ClassValue<Quirks> QUIRKS = new ClassValue<>() {
    @Override
    protected Quirks computeValue(Class<?> type) {
      return new Quirks(method(type, "suspend"), method(type, "resume"), method(type, "abort"),
          method(type, "doClose", CloseReason.class, CloseReason.class, boolean.class),
          method(type, "getCoreSession"), field(type, "wsRemoteEndpoint"),
          method(type, "isClosed"));
    }
  };

  private Containers() {}

  static Quirks of(Session session) {
    return QUIRKS.get(session.getClass());
  }

  private static @Nullable Method method(Class<?> type, String name, Class<?>... args) {
    try {
      Method m = type.getMethod(name, args);
      m.setAccessible(true);
      return m;
    } catch (NoSuchMethodException | RuntimeException e) {
      return null;
    }
  }

  private static @Nullable Field field(Class<?> type, String name) {
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      try {
        Field f = c.getDeclaredField(name);
        f.setAccessible(true);
        return f;
      } catch (NoSuchFieldException e) {
        // look further up
      } catch (RuntimeException e) {
        return null;
      }
    }
    return null;
  }

  /**
   * Whether the container still holds the connection after a close was sent: Tomcat reports
   * the close to the endpoint as soon as its close frame is written and then waits for the
   * peer's, so "closed" there means the TCP connection is gone. Unknown containers: false.
   */
  static boolean stillConnected(Session session) {
    Method m = of(session).isClosed();
    if (m == null) {
      return false;
    }
    return invoke(m, session) instanceof Boolean closed && !closed;
  }

  /** Applies the server's limits to a new session. */
  static void configure(Session session, ServerLimits limits) {
    session.setMaxIdleTimeout(0); // liveness is the core's (pings); no container idle timeout
    long closeMillis = Math.max(1, limits.closeTimeout().toMillis());
    session.getUserProperties().put(TOMCAT_BLOCKING_SEND_TIMEOUT, closeMillis);
    session.getUserProperties().put(TOMCAT_SESSION_CLOSE_TIMEOUT, closeMillis);
    Method core = of(session).coreSession();
    if (core != null) {
      Object coreSession = invoke(core, session);
      if (coreSession != null) {
        // Jetty counts a message against its own limits even with a partial handler: raise
        // them to ours (64 KiB by default). Elsewhere the text buffer is only the size of a
        // part (Tomcat allocates it per session: keep its 8 KiB).
        session.setMaxTextMessageBufferSize(limits.maxFrameSize());
        Method setFrame = method(coreSession.getClass(), "setMaxFrameSize", long.class);
        if (setFrame != null) {
          invoke(setFrame, coreSession, (long) limits.maxFrameSize());
        }
      }
    }
  }

  /** Stops reading; false if the container cannot. */
  static boolean suspend(Session session) {
    Method m = of(session).suspend();
    return m != null && invoke(m, session) != FAILED;
  }

  /** Reads again; false if the container cannot. */
  static boolean resume(Session session) {
    Method m = of(session).resume();
    return m != null && invoke(m, session) != FAILED;
  }

  /**
   * Drops the connection without waiting for the peer. Returns false if the container has no
   * way to (the caller then closes with 1001 and lets the container's own timeouts drop it).
   */
  static boolean abort(Session session) {
    Quirks q = of(session);
    Method abort = q.abort();
    if (abort != null) {
      return invoke(abort, session) != FAILED;
    }
    Field remote = q.tomcatRemote();
    if (remote != null) {
      // Tomcat: its remote endpoint's close() closes the socket, also while a close handshake
      // is under way (doClose does nothing then)
      try {
        Object endpoint = remote.get(session);
        Method close = endpoint == null ? null : method(endpoint.getClass(), "close");
        if (close != null && invoke(close, endpoint) != FAILED) {
          return true;
        }
      } catch (IllegalAccessException | RuntimeException e) {
        log.debug("No access to Tomcat's remote endpoint", e);
      }
    }
    Method doClose = q.doClose();
    if (doClose != null) {
      CloseReason going = new CloseReason(CloseReason.CloseCodes.GOING_AWAY, "aborted");
      CloseReason local = new CloseReason(CloseReason.CloseCodes.CLOSED_ABNORMALLY, "aborted");
      return invoke(doClose, session, going, local, true) != FAILED;
    }
    return false;
  }

  private static final Object FAILED = new Object();

  private static @Nullable Object invoke(Method m, Object target, Object... args) {
    try {
      return m.invoke(target, args);
    } catch (InvocationTargetException e) {
      log.debug("{} failed on {}", m.getName(), target.getClass().getName(), e.getCause());
      return FAILED;
    } catch (IllegalAccessException | RuntimeException e) {
      log.debug("{} not callable on {}", m.getName(), target.getClass().getName(), e);
      return FAILED;
    }
  }
}
