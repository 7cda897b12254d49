package skiff.test;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;
import skiff.persistence.JournalDatabase;
import skiff.persistence.JournalSchema;

/**
 * The journal's schema comes from versioned migrations, applied once however many nodes start at
 * the same moment, and a database made before migrations is taken over without losing a row.
 */
class SchemaMigrationTest {

  @Test
  void nodesStartingTogetherMigrateAnEmptyDatabaseOnce() throws Exception {
    String name = TestDatabases.create();
    try {
      JournalDatabase database = JournalDatabase.fromUrl(TestDatabases.url(name));
      CyclicBarrier together = new CyclicBarrier(4);
      List<CompletableFuture<Void>> starts = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        starts.add(CompletableFuture.runAsync(() -> {
          try {
            together.await();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
          JournalSchema.migrate(database);
        }));
      }
      CompletableFuture.allOf(starts.toArray(CompletableFuture[]::new)).join();
      assertEquals(List.of("1 journal true", "2 skiff tables true", "3 artifacts true", "4 artifact names true"), history(name));
    } finally {
      TestDatabases.drop(name);
    }
  }

  @Test
  void aJournalFromBeforeMigrationsIsBaselinedAndCompleted() throws Exception {
    String name = TestDatabases.create();
    try {
      // the shape the plugin's own schema tool made, with an event in it, and none of Skiff's tables
      try (Connection c = DriverManager.getConnection(TestDatabases.url(name)); Statement s = c.createStatement()) {
        s.execute(new String(SchemaMigrationTest.class.getResourceAsStream("/db/migration/postgresql/V1__journal.sql")
            .readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        s.execute("INSERT INTO event_journal (persistence_id, sequence_number, writer, event_ser_id, event_ser_manifest,"
            + " event_payload) VALUES ('app|1', 1, 'w', 7420, 'app.created', '\\x00')");
      }
      JournalSchema.migrate(JournalDatabase.fromUrl(TestDatabases.url(name)));
      assertEquals(List.of("1 journal made before migrations true", "2 skiff tables true", "3 artifacts true", "4 artifact names true"),
          history(name));
      try (Connection c = DriverManager.getConnection(TestDatabases.url(name)); Statement s = c.createStatement();
          ResultSet r = s.executeQuery("SELECT count(*) FROM event_journal")) {
        r.next();
        assertEquals(1, r.getInt(1), "the journal's rows are kept");
        s.execute("SELECT count(*) FROM skiff_nodes"); // and Skiff's tables are there
      }
    } finally {
      TestDatabases.drop(name);
    }
  }

  private static List<String> history(String name) throws Exception {
    List<String> rows = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(TestDatabases.url(name)); Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT version, description, success FROM flyway_schema_history"
            + " WHERE version IS NOT NULL ORDER BY installed_rank")) {
      while (r.next()) {
        rows.add(r.getString(1) + " " + r.getString(2) + " " + r.getBoolean(3));
      }
    }
    return rows;
  }
}
