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
      Process tar = new ProcessBuilder("tar", "-xzf", archive.toString(), "-C", target.toString())
          .redirectErrorStream(true).start();
      String output = new String(tar.getInputStream().readAllBytes());
      if (!tar.waitFor(5, TimeUnit.MINUTES) || tar.exitValue() != 0) {
        throw new IOException("unpacking slug " + checksum + " failed: " + output.strip());
      }
      // dynos run as nobody (ProcessDynoRuntime.DYNO_UID) and may write to their /app, as on Heroku;
      // their writes land in their own overlay layer, never here
      Process chown = new ProcessBuilder("chown", "-R", "65534:65534", target.toString()).redirectErrorStream(true)
          .start();
      String chownOutput = new String(chown.getInputStream().readAllBytes());
      if (!chown.waitFor(5, TimeUnit.MINUTES) || chown.exitValue() != 0) {
        throw new IOException("handing slug " + checksum + " to the dyno user failed: " + chownOutput.strip());
      }
      Files.writeString(done, "");
      return target;
    }
  }
}
