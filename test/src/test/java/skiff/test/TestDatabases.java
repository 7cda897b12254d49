package skiff.test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.UUID;

/** Fresh PostgreSQL databases on the machine's server (127.0.0.1:5432, user postgres, trust auth). */
public final class TestDatabases {
  private static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/";

  private TestDatabases() {}

  /** A new, empty database; its name. */
  public static String create() throws Exception {
    String name = "skiff_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    sql("CREATE DATABASE " + name);
    return name;
  }

  public static void drop(String name) throws Exception {
    sql("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  }

  /** The database {@code name} with the journal's schema migrated in, as a node's start leaves it. */
  public static skiff.persistence.JournalDatabase migrated(String name) {
    skiff.persistence.JournalDatabase database = skiff.persistence.JournalDatabase.fromUrl(url(name));
    skiff.persistence.JournalSchema.migrate(database);
    return database;
  }

  /** What SKIFF_DATABASE_URL says for it. */
  public static String url(String name) {
    return SERVER + name + "?user=postgres";
  }

  private static void sql(String statement) throws Exception {
    try (Connection c = DriverManager.getConnection(SERVER + "postgres?user=postgres");
        Statement s = c.createStatement()) {
      s.execute(statement);
    } catch (java.sql.SQLException e) {
      throw new AssertionError("PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth) is needed: "
          + e.getMessage(), e);
    }
  }
}
