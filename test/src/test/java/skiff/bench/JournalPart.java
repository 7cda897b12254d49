package skiff.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.UUID;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.SpawnProtocol;
import org.apache.pekko.persistence.typed.PersistenceId;
import skiff.actors.apps.AppEntity;
import skiff.persistence.JournalDatabase;
import skiff.platform.node.NodeConfig;
import skiff.platform.node.Settings;
import skiff.test.TestNode;

/**
 * Journal replay as history grows (10,000, 100,000 and 1,000,000 events of one app: config changes,
 * each with the release it causes, as the entity writes them): the app's whole history read and
 * applied through its event handler (deserialized, values unsealed, no snapshot), beside the same
 * rows read with plain JDBC (bytes only): the floor any replay pays to the database.
 */
final class JournalPart implements BenchSuite.Runner {
  @Override
  public void run(BenchSuite suite) throws Exception {
    int[] sizes = suite.quick ? new int[] {10_000, 50_000} : new int[] {10_000, 100_000, 1_000_000};
    Table table = suite.table("journal-replay", "Replay of one app's whole history", "ms", false, "events", true)
        .ratio("Skiff (event handler)", "plain JDBC (the rows' bytes)");
    Path home = Files.createTempDirectory("bench-journal");
    Files.createDirectories(home.resolve("journal"));
    Settings settings = Settings.load(TestNode.env(home));
    JournalDatabase journal = NodeConfig.journal(settings);
    ActorSystem<SpawnProtocol.Command> system = JournalBench.journalSystem(settings);
    try {
      for (int size : sizes) {
        String appId = UUID.randomUUID().toString();
        BenchSuite.say("journal: writing " + size + " events");
        JournalBench.fill(system, appId, "replay-" + size, size, false);
        BenchSuite.say("journal: replaying " + size + " events");
        table.put(String.valueOf(size), "Skiff (event handler)", suite.measure(() -> JournalBench.replayAll(system,
            appId)));
        String persistenceId = PersistenceId.of(AppEntity.TYPE_KEY.name(), appId).id();
        table.put(String.valueOf(size), "plain JDBC (the rows' bytes)", suite.measure(() -> read(journal,
            persistenceId, size)));
      }
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get();
    }
    table.note("Embedded H2 journal on local disk, both read in the same JVM from the same database.");
  }

  /**
   * Milliseconds to read every event row of {@code persistenceId}, in order, as bytes: in pages of
   * 1,000 sequence numbers, as the journal plugin reads them (one query for all would have H2
   * spill its result to disk past 40,000 rows).
   */
  private static double read(JournalDatabase journal, String persistenceId, int expected) throws Exception {
    long start = System.nanoTime();
    long rows = 0;
    long bytes = 0;
    try (Connection c = DriverManager.getConnection(journal.url(), journal.user(), journal.password());
        PreparedStatement s = c.prepareStatement("SELECT \"sequence_number\", \"event_payload\" FROM"
            + " \"event_journal\" WHERE \"persistence_id\" = ? AND \"sequence_number\" BETWEEN ? AND ? ORDER BY"
            + " \"sequence_number\"")) {
      long after = 0;
      for (boolean more = true; more; ) {
        s.setString(1, persistenceId);
        s.setLong(2, after + 1);
        s.setLong(3, after + 1000);
        more = false;
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            after = rs.getLong(1);
            bytes += rs.getBytes(2).length;
            rows++;
            more = true;
          }
        }
      }
    }
    if (rows != expected || bytes == 0) {
      throw new IllegalStateException("read " + rows + " rows of " + persistenceId + ", not " + expected);
    }
    return (System.nanoTime() - start) / 1e6;
  }
}
