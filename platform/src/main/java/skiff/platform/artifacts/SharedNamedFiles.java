package skiff.platform.artifacts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import skiff.actors.builds.SharedFiles;

/** {@link SharedFiles} in the cluster's PostgreSQL: named shared artifacts (migration V4). */
public final class SharedNamedFiles implements SharedFiles {
  private final SharedArtifacts artifacts;

  public SharedNamedFiles(SharedArtifacts artifacts) {
    this.artifacts = artifacts;
  }

  @Override
  public String put(String name, Path file) throws IOException {
    return artifacts.storeAs(name, file, name.substring(0, name.indexOf(':')));
  }

  @Override
  public void forget(String name) throws IOException {
    artifacts.forget(name);
  }

  @Override
  public Optional<String> get(String name, Path into, String known) throws IOException {
    Optional<String> current = artifacts.named(name);
    if (current.isEmpty() || current.get().equals(known)) {
      return current;
    }
    Path partial = into.resolveSibling(into.getFileName() + ".partial");
    if (!artifacts.fetch(current.get(), partial)) {
      throw new IOException(name + " is damaged in the cluster's database (" + current.get() + ")");
    }
    Files.move(partial, into, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    return current;
  }
}
