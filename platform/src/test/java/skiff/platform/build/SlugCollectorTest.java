package skiff.platform.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class SlugCollectorTest {
  private static final String KEPT = "a".repeat(64);
  private static final String RETIRED = "b".repeat(64);
  private static final String FRESH = "c".repeat(64);

  private static Path slug(Path home, String hex, Instant modified) throws Exception {
    Path file = Files.createDirectories(home.resolve("slugs")).resolve(hex + ".tgz");
    Files.writeString(file, hex);
    Files.setLastModifiedTime(file, FileTime.from(modified));
    Files.createDirectories(home.resolve("slugcache").resolve(hex).resolve("app"));
    Files.writeString(home.resolve("slugcache").resolve(hex + ".complete"), "");
    return file;
  }

  @Test
  void deletesOnlyOldSlugsNoAppKeepsWithTheirUnpackedCopies() throws Exception {
    Path home = Files.createTempDirectory("slug-collector");
    Instant old = Instant.now().minus(Duration.ofDays(2));
    Path kept = slug(home, KEPT, old);
    Path retired = slug(home, RETIRED, old);
    Path fresh = slug(home, FRESH, Instant.now());
    SlugCollector collector = new SlugCollector(
        () -> CompletableFuture.completedFuture(Set.of("SHA256:" + KEPT)), home, Duration.ofHours(1));

    assertEquals(List.of(RETIRED), collector.collect().toCompletableFuture().get());
    assertTrue(Files.exists(kept) && Files.exists(fresh), "kept, and too young to judge");
    assertFalse(Files.exists(retired));
    assertFalse(Files.exists(home.resolve("slugcache").resolve(RETIRED)));
    assertFalse(Files.exists(home.resolve("slugcache").resolve(RETIRED + ".complete")));
    assertTrue(Files.exists(home.resolve("slugcache").resolve(KEPT + ".complete")));
  }

  @Test
  void deletesNothingWhenTheAppsCannotAllBeAsked() throws Exception {
    Path home = Files.createTempDirectory("slug-collector");
    Path retired = slug(home, RETIRED, Instant.now().minus(Duration.ofDays(2)));
    SlugCollector collector = new SlugCollector(
        () -> CompletableFuture.failedFuture(new IllegalStateException("app x did not answer")), home, Duration.ofHours(1));
    assertThrows(Exception.class, () -> collector.collect().toCompletableFuture().get());
    assertTrue(Files.exists(retired));
  }
}
