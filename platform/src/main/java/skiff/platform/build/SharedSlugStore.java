package skiff.platform.build;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import skiff.actors.builds.Checksums;
import skiff.actors.builds.SlugStore;
import skiff.persistence.JournalDatabase;
import skiff.platform.artifacts.SharedArtifacts;

/**
 * Slugs in the cluster's PostgreSQL, so every node can run a release whichever node built it: each
 * archive content-addressed by its SHA-256, in 1 MB chunks, its row written after the last chunk in
 * one transaction (a row means complete). The node's own {@link FileSlugStore} is only a cache: a
 * slug missing there is streamed down chunk by chunk, its checksum and size checked, and only then
 * moved into the cache; a slug whose bytes do not match is refused, never run.
 */
public final class SharedSlugStore implements SlugStore {
  private static final Logger log = LoggerFactory.getLogger(SharedSlugStore.class);

  private final SharedArtifacts artifacts;
  private final FileSlugStore cache;
  private final Path scratch;

  public SharedSlugStore(JournalDatabase database, FileSlugStore cache, Path scratch) throws IOException {
    this.artifacts = new SharedArtifacts(database);
    this.cache = cache;
    this.scratch = Files.createDirectories(scratch);
  }

  @Override
  public String put(Path archive) throws IOException {
    String hex = Checksums.sha256Hex(archive);
    artifacts.store(archive, "SHA256:" + hex, "slug");
    return cache.put(archive, hex);
  }

  @Override
  public Optional<Path> find(String checksum) {
    Optional<Path> cached = cache.find(checksum);
    if (cached.isPresent() || checksum == null || !checksum.matches("SHA256:[0-9a-f]{64}")) {
      return cached;
    }
    try {
      Path partial = Files.createTempFile(scratch, "slug-", ".partial");
      try {
        if (!artifacts.fetch(checksum, partial)) {
          return Optional.empty();
        }
        cache.put(partial, checksum.substring("SHA256:".length())); // checked just now: not read a second time
        return cache.find(checksum);
      } finally {
        Files.deleteIfExists(partial);
      }
    } catch (IOException e) {
      log.warn("cannot fetch slug {} from the cluster's database: {}", checksum, e.toString());
      return Optional.empty();
    }
  }

  /**
   * Deletes the slugs no release keeps ({@code keptHex}) that were stored longer ago than
   * {@code spare} (a build's slug is stored before its release refers to it). Returns how many.
   */
  public int collect(Set<String> keptHex, Duration spare) throws IOException {
    return artifacts.collect("slug", checksum -> keptHex.contains(checksum.substring("SHA256:".length())), spare);
  }
}
