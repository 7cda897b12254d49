package skiff.persistence;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.jdbc.testkit.javadsl.SchemaUtils;

/**
 * Creates the journal, tag, snapshot and durable-state tables if they are missing, and the index
 * that lets the read side find a tag's events from an offset ({@link TagIndexReadJournalDao}).
 * Idempotent, so every node calls it at start; the embedded default needs no separate migration step.
 */
public final class JournalSchema {
  private static final String TAG_INDEX =
      "CREATE INDEX IF NOT EXISTS \"event_tag_tag_idx\" ON \"event_tag\" (\"tag\", \"event_id\")";

  private JournalSchema() {}

  public static void ensure(ActorSystem<?> system, JournalDatabase database, Duration timeout) {
    try {
      SchemaUtils.createIfNotExists(system).toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("the journal database did not answer within " + timeout.toSeconds()
          + " s: check SKIFF_DATABASE_URL and that the database is running");
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new IllegalStateException("could not prepare the journal database: " + cause.getMessage(), cause);
    }
    try (Connection connection = DriverManager.getConnection(database.url(), database.user(), database.password());
        Statement statement = connection.createStatement()) {
      statement.execute(TAG_INDEX);
    } catch (SQLException e) {
      throw new IllegalStateException("could not index the journal's tags: " + e.getMessage(), e);
    }
  }
}
