package skiff.actors.builds;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Slug archives addressed by their SHA-256 ("SHA256:hex"). Behind an interface so that a shared
 * store can replace the node-local one without the build flow noticing.
 */
public interface SlugStore {
  /** Moves the archive into the store and returns its checksum; storing the same bytes twice is harmless. */
  String put(Path archive) throws IOException;

  Optional<Path> find(String checksum);
}
