package skiff.platform.dynos;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import skiff.actors.builds.Scratch;
import skiff.actors.builds.SlugStore;
import skiff.platform.HostCommand;

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
      HostCommand.run("unpacking slug " + checksum, List.of("tar", "-xzf", archive.toString(), "-C",
          target.toString()));
      // dynos run as nobody and may write to their /app, as on Heroku; their writes land in their
      // own overlay layer, never here
      String owner = ProcessDynoRuntime.DYNO_UID + ":" + ProcessDynoRuntime.DYNO_UID;
      HostCommand.run("handing slug " + checksum + " to the dyno user", List.of("chown", "-R", owner,
          target.toString()));
      Files.writeString(done, "");
      return target;
    }
  }
}
