package skiff.platform.artifacts;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import skiff.persistence.JournalDatabase;

/**
 * Files every node of a cluster reads, kept in the journal's PostgreSQL (tables of migration V3):
 * each content-addressed by its SHA-256 ({@code SHA256:<hex>}), in 1 MB chunks, its row written
 * after the last chunk in one transaction, so a row means complete. A fetched copy is checked
 * against its checksum, size and chunk count before anyone uses it; a damaged one is refused.
 */
public final class SharedArtifacts {
  private static final Logger log = LoggerFactory.getLogger(SharedArtifacts.class);
  public static final int CHUNK = 1 << 20;

  private final JournalDatabase database;

  public SharedArtifacts(JournalDatabase database) {
    this.database = database;
  }

  public Connection connect() throws SQLException {
    return DriverManager.getConnection(database.url(), database.user(), database.password());
  }

  /** Stores {@code file} (whose checksum is {@code checksum}) as an artifact of {@code kind}, unless it is there. */
  public void store(Path file, String checksum, String kind) throws IOException {
    try (Connection c = connect()) {
      if (!stored(c, checksum)) {
        upload(c, file, checksum, kind);
      }
    } catch (SQLException e) {
      throw new IOException("cannot store " + kind + " " + checksum + " in the cluster's database: "
          + e.getMessage(), e);
    }
  }

  public static boolean stored(Connection c, String checksum) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM skiff_artifacts WHERE checksum = ?")) {
      s.setString(1, checksum);
      try (ResultSet r = s.executeQuery()) {
        return r.next();
      }
    }
  }

  private static void upload(Connection c, Path file, String checksum, String kind) throws SQLException, IOException {
    c.setAutoCommit(false);
    long size = Files.size(file);
    int chunks = 0;
    // the same file stored by two nodes at once: the second's rows are the same bytes, and ignored
    try (InputStream in = Files.newInputStream(file);
        PreparedStatement chunk = c.prepareStatement("INSERT INTO skiff_artifact_chunks (checksum, seq, data)"
            + " VALUES (?, ?, ?) ON CONFLICT DO NOTHING")) {
      byte[] buffer;
      while ((buffer = in.readNBytes(CHUNK)).length > 0 || chunks == 0) {
        chunk.setString(1, checksum);
        chunk.setInt(2, chunks++);
        chunk.setBytes(3, buffer);
        chunk.executeUpdate();
        if (buffer.length < CHUNK) {
          break;
        }
      }
    }
    try (PreparedStatement row = c.prepareStatement("INSERT INTO skiff_artifacts (checksum, kind, size, chunks)"
        + " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
      row.setString(1, checksum);
      row.setString(2, kind);
      row.setLong(3, size);
      row.setInt(4, chunks);
      row.executeUpdate();
    }
    c.commit();
  }

  /**
   * Streams the artifact into {@code into}, chunk by chunk; present only if it is stored and its
   * bytes match its checksum, size and chunk count (a damaged copy is logged and refused).
   */
  public boolean fetch(String checksum, Path into) throws IOException {
    try (Connection c = connect()) {
      c.setAutoCommit(false); // lets the driver stream the chunks instead of reading them all first
      long size;
      int chunks;
      try (PreparedStatement s = c.prepareStatement("SELECT size, chunks FROM skiff_artifacts WHERE checksum = ?")) {
        s.setString(1, checksum);
        try (ResultSet r = s.executeQuery()) {
          if (!r.next()) {
            return false;
          }
          size = r.getLong(1);
          chunks = r.getInt(2);
        }
      }
      MessageDigest sha;
      try {
        sha = MessageDigest.getInstance("SHA-256");
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException("every JDK has SHA-256", e);
      }
      int seen = 0;
      try (OutputStream out = new DigestOutputStream(Files.newOutputStream(into), sha);
          PreparedStatement s = c.prepareStatement("SELECT data FROM skiff_artifact_chunks WHERE checksum = ?"
              + " ORDER BY seq")) {
        s.setFetchSize(1);
        s.setString(1, checksum);
        try (ResultSet r = s.executeQuery()) {
          while (r.next()) {
            out.write(r.getBytes(1));
            seen++;
          }
        }
      }
      String actual = "SHA256:" + HexFormat.of().formatHex(sha.digest());
      if (seen != chunks || Files.size(into) != size || !actual.equals(checksum)) {
        log.error("artifact {} in the cluster's database is damaged ({} of {} chunks, {} bytes of {}, content {}):"
            + " refused", checksum, seen, chunks, Files.size(into), size, actual);
        Files.deleteIfExists(into);
        return false;
      }
      return true;
    } catch (SQLException e) {
      throw new IOException("cannot fetch " + checksum + " from the cluster's database: " + e.getMessage(), e);
    }
  }

  /**
   * Deletes the artifacts of {@code kind} that {@code keep} does not keep and that were stored
   * longer ago than {@code spare}. Returns how many.
   */
  public int collect(String kind, Predicate<String> keep, Duration spare) throws IOException {
    try (Connection c = connect()) {
      c.setAutoCommit(false);
      int deleted = 0;
      try (PreparedStatement old = c.prepareStatement("SELECT checksum FROM skiff_artifacts WHERE kind = ?"
          + " AND stored_at < now() - make_interval(secs => ?)")) {
        old.setString(1, kind);
        old.setDouble(2, spare.toMillis() / 1000.0);
        try (ResultSet r = old.executeQuery()) {
          while (r.next()) {
            String checksum = r.getString(1);
            if (!keep.test(checksum)) {
              delete(c, checksum);
              deleted++;
            }
          }
        }
      }
      c.commit();
      return deleted;
    } catch (SQLException e) {
      throw new IOException("cannot collect " + kind + " artifacts in the cluster's database: " + e.getMessage(), e);
    }
  }

  /** The artifact {@code name} stands for now, if any. */
  public Optional<String> named(String name) throws IOException {
    try (Connection c = connect();
        PreparedStatement s = c.prepareStatement("SELECT checksum FROM skiff_artifact_names WHERE name = ?")) {
      s.setString(1, name);
      try (ResultSet r = s.executeQuery()) {
        return r.next() ? Optional.of(r.getString(1)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw new IOException("cannot read what " + name + " is in the cluster's database: " + e.getMessage(), e);
    }
  }

  /** Stores {@code file} and names it {@code name}, deleting what the name stood for before, in one transaction. */
  public String storeAs(String name, Path file, String kind) throws IOException {
    String checksum = "SHA256:" + skiff.actors.builds.Checksums.sha256Hex(file);
    store(file, checksum, kind);
    try (Connection c = connect()) {
      c.setAutoCommit(false);
      String previous;
      try (PreparedStatement s = c.prepareStatement("SELECT checksum FROM skiff_artifact_names WHERE name = ?"
          + " FOR UPDATE")) {
        s.setString(1, name);
        try (ResultSet r = s.executeQuery()) {
          previous = r.next() ? r.getString(1) : null;
        }
      }
      try (PreparedStatement s = c.prepareStatement("INSERT INTO skiff_artifact_names (name, checksum) VALUES (?, ?)"
          + " ON CONFLICT (name) DO UPDATE SET checksum = EXCLUDED.checksum, named_at = now()")) {
        s.setString(1, name);
        s.setString(2, checksum);
        s.executeUpdate();
      }
      if (previous != null && !previous.equals(checksum) && !namedElsewhere(c, previous)) {
        delete(c, previous);
      }
      c.commit();
      return checksum;
    } catch (SQLException e) {
      throw new IOException("cannot name " + name + " in the cluster's database: " + e.getMessage(), e);
    }
  }

  /** Forgets {@code name} and deletes what it stood for (an app destroyed, say). */
  public void forget(String name) throws IOException {
    try (Connection c = connect()) {
      c.setAutoCommit(false);
      try (PreparedStatement s = c.prepareStatement("DELETE FROM skiff_artifact_names WHERE name = ? RETURNING"
          + " checksum")) {
        s.setString(1, name);
        try (ResultSet r = s.executeQuery()) {
          if (r.next() && !namedElsewhere(c, r.getString(1))) {
            delete(c, r.getString(1));
          }
        }
      }
      c.commit();
    } catch (SQLException e) {
      throw new IOException("cannot forget " + name + " in the cluster's database: " + e.getMessage(), e);
    }
  }

  /** Two names may stand for the same bytes (two apps with the same empty cache): such an artifact stays. */
  private static boolean namedElsewhere(Connection c, String checksum) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM skiff_artifact_names WHERE checksum = ?")) {
      s.setString(1, checksum);
      try (ResultSet r = s.executeQuery()) {
        return r.next();
      }
    }
  }

  /** Deletes one artifact, its row first: one half-deleted must never look complete. */
  public static void delete(Connection c, String checksum) throws SQLException {
    try (PreparedStatement row = c.prepareStatement("DELETE FROM skiff_artifacts WHERE checksum = ?");
        PreparedStatement chunks = c.prepareStatement("DELETE FROM skiff_artifact_chunks WHERE checksum = ?")) {
      row.setString(1, checksum);
      row.executeUpdate();
      chunks.setString(1, checksum);
      chunks.executeUpdate();
    }
  }
}
