package skiff.persistence;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Creates and migrates the journal database's schema with versioned migrations (Flyway,
 * {@code db/migration}): V1 the tables pekko-persistence-jdbc uses, for the database's dialect;
 * V2 on Skiff's own tables. Each version runs once per database. Nodes that start together take
 * turns under a PostgreSQL advisory lock held around the whole migration: Flyway locks its own
 * steps, but not the first look at an empty database, where a second node would find the history
 * table another had just made, still empty, and refuse to baseline it. A database made before
 * migrations (by the plugin's schema tool, at V1's shape) is baselined at V1, and V2 completes it.
 */
public final class JournalSchema {
  /** The advisory lock's key: "Skiff" in ASCII, a number no other user of the database should pick. */
  private static final long LOCK = 0x536b696666L;

  private JournalSchema() {}

  public static MigrateResult migrate(JournalDatabase database) {
    if (!database.isPostgres()) {
      synchronized (JournalSchema.class) { // an embedded H2 file has one process: this one
        return run(database);
      }
    }
    try (Connection lock = DriverManager.getConnection(database.url(), database.user(), database.password());
        Statement s = lock.createStatement()) {
      s.execute("SELECT pg_advisory_lock(" + LOCK + ")");
      try {
        return run(database);
      } finally {
        s.execute("SELECT pg_advisory_unlock(" + LOCK + ")");
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not prepare the journal database: " + e.getMessage(), e);
    }
  }

  private static MigrateResult run(JournalDatabase database) {
    try {
      return Flyway.configure()
          .dataSource(database.url(), database.user(), database.password())
          .locations("classpath:db/migration/common",
              "classpath:db/migration/" + (database.isPostgres() ? "postgresql" : "h2"))
          .baselineOnMigrate(true)
          .baselineVersion("1")
          .baselineDescription("journal made before migrations")
          .load()
          .migrate();
    } catch (FlywayException e) {
      throw new IllegalStateException("could not prepare the journal database: " + e.getMessage(), e);
    }
  }
}
