package skiff.persistence.secrets;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

/**
 * Data keys in the journal's database, in a table of their own ({@code skiff_app_keys}), so every
 * node of a cluster reads the same keys and a deleted key is deleted for all. Key look-ups are rare
 * (once per app per node; the keyring caches), so a plain connection per call is enough.
 */
final class JdbcKeyStore implements KeyStore {
  private static final String CHECK = "master-key-check";
  private final String url;
  private final String user;
  private final String password;

  JdbcKeyStore(String url, String user, String password) {
    this.url = url;
    this.user = user;
    this.password = password;
    try (Connection c = connect(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS skiff_app_keys (app_id VARCHAR(128) PRIMARY KEY,"
          + " wrapped VARCHAR(512) NOT NULL)");
    } catch (SQLException e) {
      throw new IllegalStateException("could not prepare the key table: " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<String> load(String appId) {
    try (Connection c = connect();
        PreparedStatement s = c.prepareStatement("SELECT wrapped FROM skiff_app_keys WHERE app_id = ?")) {
      s.setString(1, appId);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not read the data key of app " + appId + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void insertIfAbsent(String appId, String wrapped) {
    try (Connection c = connect();
        PreparedStatement s = c.prepareStatement("INSERT INTO skiff_app_keys (app_id, wrapped) VALUES (?, ?)")) {
      s.setString(1, appId);
      s.setString(2, wrapped);
      s.executeUpdate();
    } catch (SQLException e) {
      if (load(appId).isEmpty()) {
        throw new IllegalStateException("could not store the data key of app " + appId + ": " + e.getMessage(), e);
      }
      // another node stored one first: that one is the key
    }
  }

  @Override
  public void shred(String appId) {
    try (Connection c = connect()) {
      c.setAutoCommit(false);
      try (PreparedStatement delete = c.prepareStatement("DELETE FROM skiff_app_keys WHERE app_id = ?");
          PreparedStatement tombstone = c.prepareStatement("INSERT INTO skiff_app_keys (app_id, wrapped) VALUES (?, '')")) {
        delete.setString(1, appId);
        delete.executeUpdate();
        tombstone.setString(1, appId);
        tombstone.executeUpdate();
      }
      c.commit();
    } catch (SQLException e) {
      throw new IllegalStateException("could not delete the data key of app " + appId + ": " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<String> check() {
    return load(CHECK);
  }

  @Override
  public void saveCheck(String sealed) {
    insertIfAbsent(CHECK, sealed);
  }

  private Connection connect() throws SQLException {
    return DriverManager.getConnection(url, user, password);
  }
}
