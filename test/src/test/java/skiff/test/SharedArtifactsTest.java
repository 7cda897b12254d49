package skiff.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.Repository;
import org.junit.jupiter.api.Test;
import skiff.actors.builds.SharedFiles;
import skiff.http.builds.SourceBlobs;
import skiff.http.git.GitRepositories;
import skiff.http.git.RepositorySync;
import skiff.persistence.JournalDatabase;
import skiff.platform.artifacts.SharedArtifacts;
import skiff.platform.artifacts.SharedNamedFiles;
import skiff.platform.artifacts.SharedRepositories;
import skiff.platform.build.FileBuildLogs;

/**
 * What a cluster's nodes share besides slugs, in a real PostgreSQL (fresh per run), with two
 * directories playing two nodes: named files (build caches, sources, build output) replaced and
 * forgotten without leaving their old bytes behind; an upload slot opened on one node taking the
 * upload on the other; a finished build's output read on a node that did not run it; a git
 * repository pushed to on one node and read, whole, on the other; pushes to one app taking turns.
 */
class SharedArtifactsTest {

  @Test
  void namedFilesSourcesAndBuildOutputAreReadOnEveryNode() throws Exception {
    String name = TestDatabases.create();
    try {
      JournalDatabase database = TestDatabases.migrated(name);
      SharedArtifacts artifacts = new SharedArtifacts(database);
      SharedFiles files = new SharedNamedFiles(artifacts);
      Path work = Files.createTempDirectory("shared-files");

      Path first = Files.writeString(work.resolve("cache-1.tgz"), "cache one");
      String one = files.put("cache:app", first);
      assertEquals(Optional.of(one), files.get("cache:app", work.resolve("got"), null));
      assertEquals("cache one", Files.readString(work.resolve("got")));
      assertEquals(Optional.of(one), files.get("cache:app", work.resolve("unchanged"), one));
      assertFalse(Files.exists(work.resolve("unchanged")), "a copy that is current is not fetched again");
      String two = files.put("cache:app", Files.writeString(work.resolve("cache-2.tgz"), "cache two"));
      assertFalse(artifacts.fetch(one, work.resolve("old")), "a replaced cache's bytes are gone");
      files.forget("cache:app");
      assertTrue(files.get("cache:app", work.resolve("none"), null).isEmpty());
      assertFalse(artifacts.fetch(two, work.resolve("old2")));

      // a source slot opened on node 1, its upload put through node 2, read on node 1 for the build
      SourceBlobs node1 = new SourceBlobs(work.resolve("n1/sources"), files);
      SourceBlobs node2 = new SourceBlobs(work.resolve("n2/sources"), files);
      String slot = node1.openSlot();
      assertTrue(node2.slotOpen(slot), "the other node knows the slot");
      assertFalse(node2.slotOpen(UUID.randomUUID().toString()));
      Path upload = Files.writeString(work.resolve("upload"), "source tarball");
      node2.uploaded(slot, upload);
      assertFalse(node1.slotOpen(slot), "a slot takes one upload");
      assertEquals("source tarball", Files.readString(node1.uploadedBlob(slot).orElseThrow()));

      // a build's output, written on node 2, read on node 1 once the build is over
      FileBuildLogs logs1 = new FileBuildLogs(work.resolve("n1/builds"), files);
      FileBuildLogs logs2 = new FileBuildLogs(work.resolve("n2/builds"), files);
      String build = UUID.randomUUID().toString();
      logs2.reserve(build);
      var writer = logs2.open(build);
      writer.accept("-----> Building on the heroku-24 stack");
      assertFalse(logs1.complete(build));
      writer.close();
      assertTrue(logs1.complete(build));
      assertEquals("-----> Building on the heroku-24 stack\n",
          new String(logs1.read(build).orElseThrow().readAllBytes()));
    } finally {
      TestDatabases.drop(name);
    }
  }

  @Test
  void aRepositoryPushedToOnOneNodeIsReadWholeOnAnotherAndPushesTakeTurns() throws Exception {
    String name = TestDatabases.create();
    try {
      JournalDatabase database = TestDatabases.migrated(name);
      SharedArtifacts artifacts = new SharedArtifacts(database);
      Path work = Files.createTempDirectory("shared-repos");
      RepositorySync sync1 = new SharedRepositories(artifacts, work.resolve("n1/scratch"));
      RepositorySync sync2 = new SharedRepositories(artifacts, work.resolve("n2/scratch"));
      GitRepositories node1 = new GitRepositories(work.resolve("n1/repos"), sync1);
      GitRepositories node2 = new GitRepositories(work.resolve("n2/repos"), sync2);
      String app = UUID.randomUUID().toString();

      ObjectId first;
      try (Repository repo = node1.open(app)) {
        first = commit(repo, null, "first");
        sync1.push(app, repo, Map.of("refs/heads/main", first)); // as a push does, before its refs move
      }
      ObjectId second;
      try (Repository repo = node2.open(app)) {
        assertEquals(first, repo.resolve("refs/heads/main"), "node 2 starts from what node 1 took");
        assertEquals(first, repo.resolve(Constants.HEAD), "and HEAD follows the deployed branch");
        second = commit(repo, first, "second");
        sync2.push(app, repo, Map.of("refs/heads/main", second));
      }
      try (Repository repo = node1.open(app)) {
        assertEquals(second, repo.resolve("refs/heads/main"));
        assertTrue(repo.getObjectDatabase().has(first), "with the whole history");
      }

      // a second push to the app waits for the first, wherever it is
      AtomicBoolean firstDone = new AtomicBoolean();
      try (RepositorySync.Hold hold = sync1.hold(app)) {
        CompletableFuture<Boolean> other = CompletableFuture.supplyAsync(() -> {
          try (RepositorySync.Hold later = sync2.hold(app)) {
            return firstDone.get();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
        Thread.sleep(300);
        assertFalse(other.isDone(), "the other node waits");
        firstDone.set(true);
        hold.close();
        assertTrue(other.get(10, TimeUnit.SECONDS), "and goes on once the first is over");
      }
    } finally {
      TestDatabases.drop(name);
    }
  }

  private static ObjectId commit(Repository repo, ObjectId parent, String message) throws Exception {
    try (ObjectInserter inserter = repo.newObjectInserter()) {
      ObjectId blob = inserter.insert(Constants.OBJ_BLOB, message.getBytes());
      org.eclipse.jgit.lib.TreeFormatter tree = new org.eclipse.jgit.lib.TreeFormatter();
      tree.append("file", org.eclipse.jgit.lib.FileMode.REGULAR_FILE, blob);
      ObjectId treeId = inserter.insert(tree);
      org.eclipse.jgit.lib.CommitBuilder commit = new org.eclipse.jgit.lib.CommitBuilder();
      commit.setTreeId(treeId);
      if (parent != null) {
        commit.setParentId(parent);
      }
      org.eclipse.jgit.lib.PersonIdent who = new org.eclipse.jgit.lib.PersonIdent("Test", "t@example.com");
      commit.setAuthor(who);
      commit.setCommitter(who);
      commit.setMessage(message);
      ObjectId id = inserter.insert(commit);
      inserter.flush();
      return id;
    }
  }
}
