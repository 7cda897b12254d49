package skiff.persistence;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.jdbc.testkit.javadsl.SchemaUtils;

/**
 * Creates the journal, tag, snapshot and durable-state tables if they are missing. Idempotent, so
 * every node calls it at start; the embedded default needs no separate migration step.
 */
public final class JournalSchema {
  private JournalSchema() {}

  public static void ensure(ActorSystem<?> system, Duration timeout) {
    try {
      SchemaUtils.createIfNotExists(system).toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("the journal database did not answer within " + timeout.toSeconds()
          + " s: check SKIFF_DATABASE_URL and that the database is running");
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new IllegalStateException("could not prepare the journal database: " + cause.getMessage(), cause);
    }
  }
}
