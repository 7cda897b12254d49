package skiff.platform.node;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import skiff.persistence.JournalDatabase;

/**
 * The nodes that use this journal database, each as it last said (a heartbeat every few
 * seconds): its name, the cluster address other nodes join, its API, how many dyno processes it
 * runs. Cluster membership says who is up now; this adds what membership does not know, and lets a
 * node that was started without seed nodes see that another node is already writing the journal
 * (two clusters on one journal would both write the same entities). A row is "home"-keyed too:
 * the machine and SKIFF_HOME, so a node restarted at once is not mistaken for another one.
 */
final class NodeRegistry {
  static final Duration HEARTBEAT = Duration.ofSeconds(5);
  /** A node not heard from for this long is taken to be gone. */
  static final Duration FRESH = Duration.ofSeconds(15);

  record Row(String name, String address, String apiUrl, String homeKey, Instant startedAt, Instant seenAt,
      int dynos) {
    boolean fresh(Instant now) {
      return seenAt.isAfter(now.minus(FRESH));
    }
  }

  private final JournalDatabase database;

  NodeRegistry(JournalDatabase database) {
    this.database = database;
  }

  /** Another node (not this home) that was heard from within {@link #FRESH}, if there is one. */
  Optional<Row> liveOther(String homeKey, Instant now) {
    return all().stream().filter(r -> !r.homeKey().equals(homeKey) && r.fresh(now)).findFirst();
  }

  List<Row> all() {
    List<Row> rows = new ArrayList<>();
    try (Connection c = connect(); Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT name, address, api_url, home_key, started_at, seen_at, dynos"
            + " FROM skiff_nodes ORDER BY name")) {
      while (r.next()) {
        rows.add(new Row(r.getString(1), r.getString(2), r.getString(3), r.getString(4),
            r.getTimestamp(5).toInstant(), r.getTimestamp(6).toInstant(), r.getInt(7)));
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the node registry: " + e.getMessage(), e);
    }
    return rows;
  }

  /** Says this node is alive; a row of the same name (this node's last run) is replaced. */
  void beat(Row row) {
    try (Connection c = connect()) {
      c.setAutoCommit(false);
      try (PreparedStatement delete = c.prepareStatement("DELETE FROM skiff_nodes WHERE name = ?");
          PreparedStatement insert = c.prepareStatement("INSERT INTO skiff_nodes (name, address, api_url, home_key,"
              + " started_at, seen_at, dynos) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
        delete.setString(1, row.name());
        delete.executeUpdate();
        insert.setString(1, row.name());
        insert.setString(2, row.address());
        insert.setString(3, row.apiUrl());
        insert.setString(4, row.homeKey());
        insert.setTimestamp(5, Timestamp.from(row.startedAt()));
        insert.setTimestamp(6, Timestamp.from(row.seenAt()));
        insert.setInt(7, row.dynos());
        insert.executeUpdate();
        c.commit();
      } catch (SQLException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot write to the node registry: " + e.getMessage(), e);
    }
  }

  /** A node leaving on purpose takes its row with it; a crashed one's row goes stale. */
  void leave(String name) {
    try (Connection c = connect(); PreparedStatement delete = c.prepareStatement(
        "DELETE FROM skiff_nodes WHERE name = ?")) {
      delete.setString(1, name);
      delete.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot write to the node registry: " + e.getMessage(), e);
    }
  }

  private Connection connect() throws SQLException {
    return DriverManager.getConnection(database.url(), database.user(), database.password());
  }
}
