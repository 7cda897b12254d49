package skiff.http.git;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;

/**
 * Each app's bare repository, {@code SKIFF_HOME/repos/APP_ID.git}: keyed by id so a rename keeps it.
 * In a cluster the node's copy is brought up to the cluster's latest whenever it is opened.
 */
public final class GitRepositories {
  private final Path dir;
  private final RepositorySync sync;

  public GitRepositories(Path dir) throws IOException {
    this(dir, RepositorySync.LOCAL);
  }

  public GitRepositories(Path dir, RepositorySync sync) throws IOException {
    this.dir = Files.createDirectories(dir);
    this.sync = sync;
  }

  public RepositorySync sync() {
    return sync;
  }

  /** Opens the app's repository, up to date with the cluster's copy, creating an empty bare one on first use. */
  public Repository open(String appId) throws IOException {
    Repository repo = openLocal(appId);
    try {
      sync.pull(appId, repo);
    } catch (IOException | RuntimeException e) {
      repo.close();
      throw e;
    }
    return repo;
  }

  private synchronized Repository openLocal(String appId) throws IOException {
    if (!appId.matches("[0-9a-f-]{36}")) {
      throw new IllegalArgumentException("not an app id: " + appId);
    }
    Path path = dir.resolve(appId + ".git");
    Repository repo = new FileRepositoryBuilder().setGitDir(path.toFile()).setBare().build();
    if (!Files.exists(path.resolve("config"))) {
      repo.create(true);
      repo.getConfig().setString("receive", null, "denyDeletes", "true");
      repo.getConfig().save();
    }
    return repo;
  }
}
