package io.github.jchannels.examples.boot;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The REST side, on the same port as {@code /ws}: log in, and announce to a room. */
@RestController
public class RoomController {
  private final Accounts accounts;
  private final Announcer announcer;

  /** The controller. */
  public RoomController(Accounts accounts, Announcer announcer) {
    this.accounts = accounts;
    this.announcer = announcer;
  }

  /** Logs a user in on a new HTTP session (its cookie then authenticates {@code /ws}). */
  @PostMapping("/login")
  public ResponseEntity<Map<String, Object>> login(@RequestParam String user,
      HttpServletRequest request) {
    if (!accounts.login(user, request.getSession(true))) {
      return ResponseEntity.status(HttpStatus.UNAUTHORIZED).body(Map.of("error", "unknown user"));
    }
    return ResponseEntity.ok(Map.of("user", user));
  }

  /** Broadcasts the request body to everyone in the room. */
  @PostMapping("/rooms/{room}/announce")
  public Map<String, Object> announce(@PathVariable String room, @RequestBody String text) {
    return Map.of("room", room, "delivered", announcer.announce(room, text));
  }
}
