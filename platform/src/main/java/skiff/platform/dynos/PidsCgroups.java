package skiff.platform.dynos;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A pids cgroup per dyno run (cgroup v1's {@code pids} hierarchy): {@code pids.max} caps the
 * processes and threads a dyno may have at once, so a fork bomb stops at the limit instead of
 * taking the node down. Named after the node like the memory groups, so nodes never touch each
 * other's.
 */
final class PidsCgroups {
  private final Path parent;

  private PidsCgroups(Path parent) {
    this.parent = parent;
  }

  static Optional<PidsCgroups> detect(String node) {
    Path v1 = Path.of("/sys/fs/cgroup/pids");
    try {
      if (Files.isWritable(v1) && Files.exists(v1.resolve("cgroup.procs"))) {
        return Optional.of(new PidsCgroups(Files.createDirectories(v1.resolve("skiff").resolve(node))));
      }
    } catch (IOException e) {
      // no pids controller for us
    }
    return Optional.empty();
  }

  String describe() {
    return "pids " + parent;
  }

  Path create(String runId, int limit) throws IOException {
    Path group = Files.createDirectories(parent.resolve(runId));
    Files.writeString(group.resolve("pids.max"), String.valueOf(limit));
    return group;
  }

  void remove(Path group) {
    group.toFile().delete();
  }

  /** The run's group goes once its processes have (rmdir: it stays while one is left). */
  void remove(String runId) {
    remove(parent.resolve(runId));
  }

  void removeParent() {
    parent.toFile().delete();
  }

  List<Path> leftovers() {
    return MemoryCgroups.subgroups(parent);
  }
}
