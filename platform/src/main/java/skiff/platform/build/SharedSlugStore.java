package skiff.platform.build;

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
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import skiff.actors.builds.Checksums;
import skiff.actors.builds.SlugStore;
import skiff.persistence.JournalDatabase;

/**
 * Slugs in the cluster's PostgreSQL, so every node can run a release whichever node built it: each
 * archive content-addressed by its SHA-256, in 1 MB chunks, its row written after the last chunk in
 * one transaction (a row means complete). The node's own {@link FileSlugStore} is only a cache: a
 * slug missing there is streamed down chunk by chunk, its checksum and size checked, and only then
 * moved into the cache; a slug whose bytes do not match is refused, never run.
 */
public final class SharedSlugStore implements SlugStore {
  private static final Logger log = LoggerFactory.getLogger(SharedSlugStore.class);
  static final int CHUNK = 1 << 20;

  private final JournalDatabase database;
  private final FileSlugStore cache;
  private final Path scratch;

  public SharedSlugStore(JournalDatabase database, FileSlugStore cache, Path scratch) throws IOException {
    this.database = database;
    this.cache = cache;
    this.scratch = Files.createDirectories(scratch);
  }

  @Override
  public String put(Path archive) throws IOException {
    String hex = Checksums.sha256Hex(archive);
    String checksum = "SHA256:" + hex;
    try (Connection c = connect()) {
      if (!stored(c, checksum)) {
        upload(c, archive, checksum);
      }
    } catch (SQLException e) {
      throw new IOException("cannot store the slug in the cluster's database: " + e.getMessage(), e);
    }
    return cache.put(archive, hex);
  }

  @Override
  public Optional<Path> find(String checksum) {
    Optional<Path> cached = cache.find(checksum);
    if (cached.isPresent() || checksum == null || !checksum.matches("SHA256:[0-9a-f]{64}")) {
      return cached;
    }
    try {
      return download(checksum);
    } catch (IOException | SQLException e) {
      log.warn("cannot fetch slug {} from the cluster's database: {}", checksum, e.toString());
      return Optional.empty();
    }
  }

  /**
   * Deletes the slugs no release keeps ({@code keptHex}) that were stored longer ago than
   * {@code spare} (a build's slug is stored before its release refers to it). Returns how many.
   */
  public int collect(Set<String> keptHex, Duration spare) throws IOException {
    try (Connection c = connect()) {
      c.setAutoCommit(false);
      int deleted = 0;
      try (PreparedStatement old = c.prepareStatement("SELECT checksum FROM skiff_artifacts WHERE kind = 'slug'"
          + " AND stored_at < now() - make_interval(secs => ?)")) {
        old.setDouble(1, spare.toMillis() / 1000.0);
        try (ResultSet r = old.executeQuery();
            PreparedStatement chunks = c.prepareStatement("DELETE FROM skiff_artifact_chunks WHERE checksum = ?");
            PreparedStatement row = c.prepareStatement("DELETE FROM skiff_artifacts WHERE checksum = ?")) {
          while (r.next()) {
            String checksum = r.getString(1);
            if (keptHex.contains(checksum.substring("SHA256:".length()))) {
              continue;
            }
            // the row first: a slug half-deleted must never look complete
            row.setString(1, checksum);
            row.executeUpdate();
            chunks.setString(1, checksum);
            chunks.executeUpdate();
            deleted++;
          }
        }
      }
      c.commit();
      return deleted;
    } catch (SQLException e) {
      throw new IOException("cannot collect slugs in the cluster's database: " + e.getMessage(), e);
    }
  }

  private static boolean stored(Connection c, String checksum) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM skiff_artifacts WHERE checksum = ?")) {
      s.setString(1, checksum);
      try (ResultSet r = s.executeQuery()) {
        return r.next();
      }
    }
  }

  private static void upload(Connection c, Path archive, String checksum) throws SQLException, IOException {
    c.setAutoCommit(false);
    long size = Files.size(archive);
    int chunks = 0;
    // the same slug stored by two nodes at once: the second's rows are the same bytes, and ignored
    try (InputStream in = Files.newInputStream(archive);
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
        + " VALUES (?, 'slug', ?, ?) ON CONFLICT DO NOTHING")) {
      row.setString(1, checksum);
      row.setLong(2, size);
      row.setInt(3, chunks);
      row.executeUpdate();
    }
    c.commit();
  }

  private Optional<Path> download(String checksum) throws SQLException, IOException {
    Path partial = Files.createTempFile(scratch, "slug-", ".partial");
    try (Connection c = connect()) {
      c.setAutoCommit(false); // lets the driver stream the chunks instead of reading them all first
      long size;
      int chunks;
      try (PreparedStatement s = c.prepareStatement("SELECT size, chunks FROM skiff_artifacts WHERE checksum = ?")) {
        s.setString(1, checksum);
        try (ResultSet r = s.executeQuery()) {
          if (!r.next()) {
            return Optional.empty();
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
      try (OutputStream out = new DigestOutputStream(Files.newOutputStream(partial), sha);
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
      String actualHex = HexFormat.of().formatHex(sha.digest());
      String actual = "SHA256:" + actualHex;
      if (seen != chunks || Files.size(partial) != size || !actual.equals(checksum)) {
        log.error("slug {} in the cluster's database is damaged ({} of {} chunks, {} bytes of {}, content {}):"
            + " not run", checksum, seen, chunks, Files.size(partial), size, actual);
        return Optional.empty();
      }
      cache.put(partial, actualHex); // checked just now: no need to read it a second time
      return cache.find(checksum);
    } finally {
      Files.deleteIfExists(partial);
    }
  }

  private Connection connect() throws SQLException {
    return DriverManager.getConnection(database.url(), database.user(), database.password());
  }
}
