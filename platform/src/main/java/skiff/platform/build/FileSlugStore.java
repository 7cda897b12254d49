package skiff.platform.build;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import skiff.actors.builds.Checksums;
import skiff.actors.builds.SlugStore;

/** Slugs as files named by their SHA-256 under {@code SKIFF_HOME/slugs}. */
public final class FileSlugStore implements SlugStore {
  private final Path dir;

  public FileSlugStore(Path dir) throws IOException {
    this.dir = Files.createDirectories(dir);
  }

  @Override
  public String put(Path archive) throws IOException {
    return put(archive, Checksums.sha256Hex(archive));
  }

  /** {@link #put(Path)} of an archive whose SHA-256 ({@code hex}) the caller has just computed. */
  String put(Path archive, String hex) throws IOException {
    Path target = dir.resolve(hex + ".tgz");
    if (Files.exists(target)) {
      Files.delete(archive);
      // stored again: fresh, so the collector (which spares recent files) leaves it to be registered
      Files.setLastModifiedTime(target, java.nio.file.attribute.FileTime.from(java.time.Instant.now()));
    } else {
      Files.move(archive, target, StandardCopyOption.REPLACE_EXISTING);
    }
    return "SHA256:" + hex;
  }

  @Override
  public Optional<Path> find(String checksum) {
    if (checksum == null || !checksum.matches("SHA256:[0-9a-f]{64}")) {
      return Optional.empty();
    }
    Path file = dir.resolve(checksum.substring(7) + ".tgz");
    return Files.exists(file) ? Optional.of(file) : Optional.empty();
  }
}
