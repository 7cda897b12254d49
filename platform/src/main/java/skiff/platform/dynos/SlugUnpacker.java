package skiff.platform.dynos;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import skiff.actors.builds.Scratch;
import skiff.actors.builds.SlugStore;

/**
 * Unpacks each slug once, into {@code SKIFF_HOME/slugcache/HEX}; dynos then get a private writable
 * layer over it, so twenty dynos of one release cost one unpack.
 */
final class SlugUnpacker {
  private final SlugStore store;
  private final Path dir;
  private final ConcurrentHashMap<String, Object> locks = new ConcurrentHashMap<>();

  SlugUnpacker(SlugStore store, Path dir) throws IOException {
    this.store = store;
    this.dir = Files.createDirectories(dir);
  }

  /** Runs a command to its end; a failure names {@code what} and carries the command's output. */
  private static void run(String what, String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IOException(what + " failed: " + output.strip());
    }
  }

  Path unpacked(String checksum) throws IOException, InterruptedException {
    Path archive = store.find(checksum).orElseThrow(() -> new IOException("slug " + checksum
        + " is not in this node's slug store"));
    Path target = dir.resolve(checksum.substring("SHA256:".length()));
    Path done = target.resolveSibling(target.getFileName() + ".complete");
    synchronized (locks.computeIfAbsent(checksum, k -> new Object())) {
      if (Files.exists(done)) {
        return target;
      }
      Scratch.delete(target);
      Files.createDirectories(target);
      run("unpacking slug " + checksum, "tar", "-xzf", archive.toString(), "-C", target.toString());
      // dynos run as nobody and may write to their /app, as on Heroku; their writes land in their
      // own overlay layer, never here
      String owner = ProcessDynoRuntime.DYNO_UID + ":" + ProcessDynoRuntime.DYNO_UID;
      run("handing slug " + checksum + " to the dyno user", "chown", "-R", owner, target.toString());
      Files.writeString(done, "");
      return target;
    }
  }
}
