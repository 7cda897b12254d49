package skiff.persistence;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the event journal lives: an embedded H2 file under SKIFF_HOME by default, or a shared
 * PostgreSQL database for clusters. Produces the pekko-persistence-jdbc configuration for it: one
 * connection pool for the write side (journal, snapshots, durable state), one for the read journal.
 */
public record JournalDatabase(String url, String user, String password) {

  public static JournalDatabase embedded(Path home) {
    Path file = home.toAbsolutePath().resolve("journal").resolve("skiff");
    // WRITE_DELAY=0: a committed event reaches the file at once, so kill -9 of the server loses nothing;
    // MAX_LENGTH_INPLACE_LOB: events (a few hundred bytes to a few KB) stay in their rows, where H2
    // reads and writes them several times faster than as separate LOBs
    return new JournalDatabase("jdbc:h2:file:" + file
        + ";DATABASE_TO_UPPER=false;WRITE_DELAY=0;MAX_LENGTH_INPLACE_LOB=16384", "sa", "");
  }

  /** Accepts jdbc:postgresql://… and jdbc:h2:… URLs; user and password may be given as query parameters. */
  public static JournalDatabase fromUrl(String url) {
    if (url.startsWith("jdbc:postgresql:") || url.startsWith("jdbc:h2:")) {
      return new JournalDatabase(url, url.startsWith("jdbc:h2:") ? "sa" : "", "");
    }
    throw new IllegalArgumentException(
        "SKIFF_DATABASE_URL='" + url + "' is not supported: use jdbc:postgresql://HOST:PORT/DB?user=U or jdbc:h2:file:/PATH");
  }

  public boolean isPostgres() {
    return url.startsWith("jdbc:postgresql:");
  }

  public Config pekkoConfig() {
    String profile = isPostgres() ? "slick.jdbc.PostgresProfile$" : "slick.jdbc.H2Profile$";
    String driver = isPostgres() ? "org.postgresql.Driver" : "org.h2.Driver";
    Map<String, Object> db = Map.of(
        "url", url,
        "user", user,
        "password", password,
        "driver", driver,
        "numThreads", 5,
        "maxConnections", 5,
        "minConnections", 1,
        // the plugin's default of 180 s makes a wrong URL hang silently for three minutes
        "connectionTimeout", 10000);
    // the read side (events, state, export) has a pool of its own: a long export never makes a write wait
    Map<String, Object> reads = new java.util.HashMap<>(db);
    reads.put("numThreads", 2);
    reads.put("maxConnections", 2);
    return ConfigFactory.parseMap(Map.of(
            "pekko-persistence-jdbc.shared-databases.default.profile", profile,
            "pekko-persistence-jdbc.shared-databases.read.profile", profile))
        .withFallback(ConfigFactory.parseMap(db).atPath("pekko-persistence-jdbc.shared-databases.default.db"))
        .withFallback(ConfigFactory.parseMap(reads).atPath("pekko-persistence-jdbc.shared-databases.read.db"))
        .withFallback(ConfigFactory.parseResources("skiff-journal.conf"));
  }
}
