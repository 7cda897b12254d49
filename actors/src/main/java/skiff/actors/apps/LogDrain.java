package skiff.actors.apps;

import java.net.URI;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import skiff.persistence.CborSerializable;
import skiff.persistence.JournalName;

/** Where an app's log lines are also sent. The id (d.UUID) is the drain token Logplex sends along. */
@JournalName("shared.log-drain")
public record LogDrain(String id, String url, Instant createdAt) implements CborSerializable {
  private static final Set<String> SCHEMES = Set.of("syslog", "syslog+tls", "http", "https");

  public static Optional<String> problemWith(String url) {
    try {
      URI uri = URI.create(url == null ? "" : url.trim());
      if (uri.getScheme() == null || !SCHEMES.contains(uri.getScheme()) || uri.getHost() == null) {
        return Optional.of(bad(url));
      }
      if (uri.getScheme().startsWith("syslog") && uri.getPort() <= 0) {
        return Optional.of("Drain " + url + " needs a port, e.g. syslog://logs.example.com:514.");
      }
      return Optional.empty();
    } catch (IllegalArgumentException e) {
      return Optional.of(bad(url));
    }
  }

  private static String bad(String url) {
    return "'" + url + "' is not a drain URL: use syslog://HOST:PORT, syslog+tls://HOST:PORT or https://HOST/PATH.";
  }
}
