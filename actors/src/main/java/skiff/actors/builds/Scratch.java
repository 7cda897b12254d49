package skiff.actors.builds;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;

/** Build scratch space (checkouts, unpacked sources, fetched buildpacks) and its removal. */
public final class Scratch {
  private Scratch() {}

  /** Deletes a directory tree without following symlinks; missing is fine. */
  public static void delete(Path dir) throws IOException {
    if (dir == null || !Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** Best effort: scratch space that cannot be removed now goes with the next start. */
  public static void deleteQuietly(Path dir) {
    try {
      delete(dir);
    } catch (IOException ignored) {
      // left for the start-up sweep
    }
  }
}
