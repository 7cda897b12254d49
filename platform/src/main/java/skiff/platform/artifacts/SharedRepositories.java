package skiff.platform.artifacts;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.NullProgressMonitor;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.BundleWriter;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.Transport;
import org.eclipse.jgit.transport.URIish;
import skiff.http.git.RepositorySync;

/**
 * Apps' git repositories kept in the cluster's PostgreSQL, so a push to any node works and a clone
 * from any node returns the whole history, whichever node took the pushes and whether it is still
 * there. After each push the repository is stored as a git bundle (a shared artifact of kind
 * {@code git}, named {@code git:APP_ID}) before the pusher hears it went through;
 * a node whose copy is older fetches that bundle into its own before serving. Pushes to one app
 * take turns across the cluster under a PostgreSQL advisory lock, as they would on one server.
 */
public final class SharedRepositories implements RepositorySync {
  /** Beside the node's copy: the bundle it was last brought up to. */
  private static final String MARKER = "skiff-cluster-copy";
  /** Mixed into an app's lock key so it never collides with another of Skiff's advisory locks. */
  private static final long GIT_LOCKS = 0x5e1f_617L;

  private final SharedArtifacts artifacts;
  private final SharedNamedFiles files;
  private final Path scratch;
  private final Map<String, Object> local = new ConcurrentHashMap<>();

  public SharedRepositories(SharedArtifacts artifacts, Path scratch) throws IOException {
    this.artifacts = artifacts;
    this.files = new SharedNamedFiles(artifacts);
    this.scratch = Files.createDirectories(scratch);
  }

  @Override
  public void pull(String appId, Repository repo) throws IOException {
    synchronized (local.computeIfAbsent(appId, id -> new Object())) {
      Path marker = repo.getDirectory().toPath().resolve(MARKER);
      String known = Files.exists(marker) ? Files.readString(marker).trim() : null;
      Path bundle = scratch.resolve("repo-" + appId + ".bundle");
      try {
        Optional<String> latest = files.get(name(appId), bundle, known);
        if (latest.isEmpty() || latest.get().equals(known)) {
          return;
        }
        try (Transport transport = Transport.open(repo, new URIish(bundle.toString()))) {
          transport.fetch(NullProgressMonitor.INSTANCE, List.of(new RefSpec("+refs/*:refs/*")));
        } catch (org.eclipse.jgit.errors.NotSupportedException | org.eclipse.jgit.errors.TransportException e) {
          throw new IOException("cannot read the cluster's copy of this app's repository: " + e.getMessage(), e);
        } catch (java.net.URISyntaxException e) {
          throw new IllegalStateException("a temporary file's path is a URI", e);
        }
        pointHeadAtBranch(repo);
        Files.writeString(marker, latest.get() + "\n");
      } finally {
        Files.deleteIfExists(bundle);
      }
    }
  }

  @Override
  public void push(String appId, Repository repo, Map<String, ObjectId> updates) throws IOException {
    Path bundle = Files.createTempFile(scratch, "repo-", ".bundle");
    try {
      BundleWriter writer = new BundleWriter(repo);
      int refs = 0;
      for (Ref ref : repo.getRefDatabase().getRefsByPrefix(Constants.R_REFS)) {
        if (!ref.isSymbolic() && ref.getObjectId() != null && !updates.containsKey(ref.getName())) {
          writer.include(ref);
          refs++;
        }
      }
      for (Map.Entry<String, ObjectId> update : updates.entrySet()) {
        writer.include(update.getKey(), update.getValue());
        refs++;
      }
      if (refs == 0) {
        return;
      }
      try (OutputStream out = Files.newOutputStream(bundle)) {
        writer.writeBundle(NullProgressMonitor.INSTANCE, out);
      }
      String checksum = files.put(name(appId), bundle);
      Files.writeString(repo.getDirectory().toPath().resolve(MARKER), checksum + "\n");
    } finally {
      Files.deleteIfExists(bundle);
    }
  }

  @Override
  public Hold hold(String appId) throws IOException {
    try {
      Connection c = artifacts.connect();
      try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_lock(?)")) {
        lock.setLong(1, lockKey(appId));
        lock.execute();
      } catch (SQLException e) {
        c.close();
        throw e;
      }
      // the lock is the connection's: closing it lets the next push in, even if unlocking fails
      java.util.concurrent.atomic.AtomicBoolean held = new java.util.concurrent.atomic.AtomicBoolean(true);
      return () -> {
        if (!held.getAndSet(false)) {
          return;
        }
        try (c; PreparedStatement unlock = c.prepareStatement("SELECT pg_advisory_unlock(?)")) {
          unlock.setLong(1, lockKey(appId));
          unlock.execute();
        } catch (SQLException e) {
          throw new IOException("cannot let go of the repository lock: " + e.getMessage(), e);
        }
      };
    } catch (SQLException e) {
      throw new IOException("cannot take the app's repository lock in the cluster's database: " + e.getMessage(), e);
    }
  }

  private static long lockKey(String appId) {
    UUID id = UUID.fromString(appId);
    return id.getMostSignificantBits() ^ id.getLeastSignificantBits() ^ GIT_LOCKS;
  }

  private static String name(String appId) {
    return "git:" + appId;
  }

  /** A copy made from a bundle has no HEAD of its own: it follows the branch that was deployed. */
  private static void pointHeadAtBranch(Repository repo) throws IOException {
    Ref head = repo.exactRef(Constants.HEAD);
    if (head != null && head.getObjectId() != null) {
      return;
    }
    for (String branch : List.of("refs/heads/main", "refs/heads/master")) {
      if (repo.exactRef(branch) != null) {
        repo.updateRef(Constants.HEAD).link(branch);
        return;
      }
    }
  }
}
