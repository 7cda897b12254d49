package skiff.platform.build;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import java.util.stream.Stream;
import skiff.actors.builds.Scratch;

/**
 * Deletes slug archives (SKIFF_HOME/slugs) and their unpacked copies (SKIFF_HOME/slugcache) that no
 * live app keeps any more: retired beyond an app's newest slugs, or left by a destroyed app. Slugs
 * are shared by checksum between apps, so only the set of every app's slugs can say a file is
 * unused. Files younger than {@code spare} are left alone: a build stores its slug before the app
 * registers it.
 */
public final class SlugCollector {
  private final Supplier<CompletionStage<Set<String>>> keptChecksums;
  private final Path slugs;
  private final Path unpacked;
  private final Duration spare;
  private final Optional<SharedSlugStore> shared;

  public SlugCollector(Supplier<CompletionStage<Set<String>>> keptChecksums, Path home, Duration spare) {
    this(keptChecksums, home, spare, Optional.empty());
  }

  /** With {@code shared}, the cluster's copies of slugs no release keeps go too. */
  public SlugCollector(Supplier<CompletionStage<Set<String>>> keptChecksums, Path home, Duration spare,
      Optional<SharedSlugStore> shared) {
    this.shared = shared;
    this.keptChecksums = keptChecksums;
    this.slugs = home.resolve("slugs");
    this.unpacked = home.resolve("slugcache");
    this.spare = spare;
  }

  /** Collects once; completes with the checksums (hex) whose files were deleted. */
  public CompletionStage<List<String>> collect() {
    return keptChecksums.get().thenApply(kept -> {
      try {
        return delete(kept.stream().map(c -> c.startsWith("SHA256:") ? c.substring(7) : c)
            .collect(java.util.stream.Collectors.toSet()));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
  }

  private List<String> delete(Set<String> keptHex) throws IOException {
    List<String> deleted = new ArrayList<>();
    Instant before = Instant.now().minus(spare);
    if (Files.isDirectory(slugs)) {
      try (Stream<Path> files = Files.list(slugs)) {
        for (Path archive : (Iterable<Path>) files::iterator) {
          String name = archive.getFileName().toString();
          String hex = name.endsWith(".tgz") ? name.substring(0, name.length() - 4) : null;
          if (hex != null && hex.matches("[0-9a-f]{64}") && !keptHex.contains(hex)
              && Files.getLastModifiedTime(archive).toInstant().isBefore(before)) {
            Path copy = unpacked.resolve(hex);
            // the marker first: an unpack half-deleted must never look complete
            Files.deleteIfExists(copy.resolveSibling(hex + ".complete"));
            Scratch.delete(copy);
            Files.delete(archive);
            deleted.add(hex);
          }
        }
      }
    }
    if (shared.isPresent()) {
      shared.get().collect(keptHex, spare);
    }
    return deleted;
  }
}
