package skiff.http.git;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;

/**
 * Writes a commit's tree into a directory: files, executable bits and symlinks; no .git. A symlink
 * must stay inside the tree: one pointing elsewhere (an absolute path, or up and out) would let a
 * build, or Skiff itself reading the Procfile, read the host's files into the push output.
 */
final class TreeCheckout {
  /** A tree that cannot be built safely; the message tells the pusher which file and why. */
  static final class UnsafeTree extends IOException {
    UnsafeTree(String message) {
      super(message);
    }
  }

  private TreeCheckout() {}

  /** Returns the commit's subject line. */
  static String checkout(Repository repo, ObjectId commitId, Path target) throws IOException {
    try (RevWalk walk = new RevWalk(repo); ObjectReader reader = repo.newObjectReader();
        TreeWalk tree = new TreeWalk(reader)) {
      RevCommit commit = walk.parseCommit(commitId);
      tree.addTree(commit.getTree());
      tree.setRecursive(true);
      while (tree.next()) {
        Path out = target.resolve(tree.getPathString()).normalize();
        if (!out.startsWith(target)) {
          throw new IOException("refusing to write outside the build directory: " + tree.getPathString());
        }
        Files.createDirectories(out.getParent());
        FileMode mode = tree.getFileMode(0);
        byte[] data = reader.open(tree.getObjectId(0)).getBytes();
        if (mode == FileMode.SYMLINK) {
          String link = new String(data, StandardCharsets.UTF_8);
          Path pointsTo = out.getParent().resolve(link).normalize();
          if (Path.of(link).isAbsolute() || !pointsTo.startsWith(target)) {
            throw new UnsafeTree("The symlink " + tree.getPathString() + " points outside the app (to " + link
                + "); Skiff builds only apps whose links stay inside them. Make it a relative link to a file in the"
                + " repository, or commit the file itself.");
          }
          Files.createSymbolicLink(out, Path.of(link));
        } else if (mode == FileMode.GITLINK) {
          Files.createDirectories(out); // submodules are not fetched
        } else {
          try (OutputStream o = Files.newOutputStream(out)) {
            o.write(data);
          }
          if (mode == FileMode.EXECUTABLE_FILE) {
            out.toFile().setExecutable(true, false);
          }
        }
      }
      return commit.getShortMessage();
    }
  }
}
