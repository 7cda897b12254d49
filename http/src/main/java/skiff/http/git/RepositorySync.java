package skiff.http.git;

import java.io.IOException;
import org.eclipse.jgit.lib.Repository;

/**
 * Keeps a node's copy of an app's repository in step with the cluster's: brought up to date before
 * it is read or pushed to, stored after a push, and one push at a time per app across the cluster.
 * A single node has nothing to keep in step with ({@link #LOCAL}).
 */
public interface RepositorySync {
  /** Brings {@code repo} up to the cluster's latest copy, if another node stored a newer one. */
  void pull(String appId, Repository repo) throws IOException;

  /**
   * Stores {@code repo}, with {@code updates} applied to its refs, as the cluster's latest copy of
   * the app's repository: called before a push's ref updates are reported to the pusher.
   */
  void push(String appId, Repository repo, java.util.Map<String, org.eclipse.jgit.lib.ObjectId> updates)
      throws IOException;

  /** Holds the app's repository for one push, across the cluster, until closed. */
  Hold hold(String appId) throws IOException;

  /** A held repository. */
  interface Hold extends AutoCloseable {
    @Override
    void close() throws IOException;
  }

  RepositorySync LOCAL = new RepositorySync() {
    @Override
    public void pull(String appId, Repository repo) {}

    @Override
    public void push(String appId, Repository repo, java.util.Map<String, org.eclipse.jgit.lib.ObjectId> updates) {}

    @Override
    public Hold hold(String appId) {
      return () -> { };
    }
  };
}
