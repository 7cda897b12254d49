package skiff.http.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Session URLs carry the session, signed: any node with the key serves them, nobody else can make one. */
class LogSessionsTest {
  private static final Instant NOW = Instant.parse("2026-12-03T12:00:00Z");
  private final LogSessions node1 = new LogSessions(null, null, "the cluster's key".getBytes(StandardCharsets.UTF_8));
  private final LogSessions node2 = new LogSessions(null, null, "the cluster's key".getBytes(StandardCharsets.UTF_8));
  private final LogSessions elsewhere = new LogSessions(null, null, "another key".getBytes(StandardCharsets.UTF_8));

  private static String path(String session) {
    return "/streams/logs/" + session;
  }

  @Test
  void aSessionOneNodeMadeIsServedByAnotherWithItsFilters() {
    LogSessions.Session made = new LogSessions.Session("3f1b0c9e-1111-2222-3333-444455556666", 250, true, "web.1",
        "app", NOW);
    Optional<LogSessions.Session> read = node2.session(path(node1.open(made)), NOW.plusSeconds(5));
    assertEquals(Optional.of(made), read);
    LogSessions.Session unfiltered = new LogSessions.Session("3f1b0c9e-1111-2222-3333-444455556666", 100, false, null,
        null, NOW);
    assertEquals(Optional.of(unfiltered), node2.session(path(node1.open(unfiltered)), NOW));
  }

  @Test
  void aChangedForeignOrExpiredSessionIsRefused() {
    String session = node1.open(new LogSessions.Session("app-id", 100, true, null, null, NOW));
    // another app's id, or more lines, cannot be swapped in: any change breaks the signature
    String payload = session.substring(0, session.indexOf('.'));
    String signature = session.substring(session.indexOf('.') + 1);
    String other = node1.open(new LogSessions.Session("other-app", 100, true, null, null, NOW));
    assertTrue(node2.session(path(other.substring(0, other.indexOf('.')) + "." + signature), NOW).isEmpty());
    char last = signature.charAt(signature.length() - 1);
    String flipped = signature.substring(0, signature.length() - 1) + (last == 'A' ? 'B' : 'A');
    assertTrue(node2.session(path(payload + "." + flipped), NOW).isEmpty());
    assertTrue(elsewhere.session(path(session), NOW).isEmpty(), "signed by another cluster");
    assertTrue(node2.session(path(session), NOW.plus(LogSessions.VALID_FOR).plus(Duration.ofSeconds(1))).isEmpty(),
        "over an hour old");
    assertTrue(node2.session(path("00000000-0000-0000-0000-000000000000"), NOW).isEmpty());
    assertTrue(node2.session(path("e30." + signature), NOW).isEmpty(), "{} with a signature of something else");
  }
}
