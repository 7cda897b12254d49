package skiff.platform.dynos;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A memory cgroup per dyno run, on whichever hierarchy the host offers: cgroup v2 (memory.max,
 * memory.current, memory.events) or v1 (memory.limit_in_bytes, memory.usage_in_bytes,
 * memory.oom_control). The hard limit is 3x the quota: past it the kernel kills the dyno (R15).
 */
final class MemoryCgroups {
  private final Path parent;
  private final boolean v2;

  private MemoryCgroups(Path parent, boolean v2) {
    this.parent = parent;
    this.v2 = v2;
  }

  /**
   * The host's memory controller, if this process may create cgroups under it. Each node gets its
   * own parent ({@code skiff/NODE}), so that a node's start-up clean-up and its dynos' groups never
   * touch another node's on the same machine.
   */
  static Optional<MemoryCgroups> detect(String node) {
    for (Path root : List.of(Path.of("/sys/fs/cgroup"), Path.of("/sys/fs/cgroup/unified"))) {
      Path controllers = root.resolve("cgroup.controllers");
      try {
        if (Files.isReadable(controllers) && Files.readString(controllers).contains("memory")) {
          Path shared = root.resolve("skiff");
          Path parent = shared.resolve(node);
          Files.createDirectories(parent);
          Files.writeString(root.resolve("cgroup.subtree_control"), "+memory");
          Files.writeString(shared.resolve("cgroup.subtree_control"), "+memory");
          Files.writeString(parent.resolve("cgroup.subtree_control"), "+memory");
          return Optional.of(new MemoryCgroups(parent, true));
        }
      } catch (IOException | UnsupportedOperationException e) {
        // not usable; try the next
      }
    }
    Path v1 = Path.of("/sys/fs/cgroup/memory");
    try {
      if (Files.isWritable(v1) && Files.exists(v1.resolve("memory.limit_in_bytes"))) {
        Path parent = Files.createDirectories(v1.resolve("skiff").resolve(node));
        return Optional.of(new MemoryCgroups(parent, false));
      }
    } catch (IOException e) {
      // no cgroups for us
    }
    return Optional.empty();
  }

  String describe() {
    return (v2 ? "cgroup v2 " : "cgroup v1 ") + parent;
  }

  Path create(String runId, long hardLimitBytes) throws IOException {
    Path group = Files.createDirectories(parent.resolve(runId));
    Files.writeString(group.resolve(v2 ? "memory.max" : "memory.limit_in_bytes"), String.valueOf(hardLimitBytes));
    if (v2) {
      try {
        Files.writeString(group.resolve("memory.swap.max"), "0");
      } catch (IOException ignored) {
        // no swap accounting on this host
      }
    }
    return group;
  }

  long usage(Path group) {
    try {
      return Long.parseLong(Files.readString(group.resolve(v2 ? "memory.current" : "memory.usage_in_bytes")).trim());
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
  }

  boolean oomKilled(Path group) {
    try {
      String text = Files.readString(group.resolve(v2 ? "memory.events" : "memory.oom_control"));
      return text.lines().anyMatch(l -> l.startsWith("oom_kill ") && !l.trim().endsWith(" 0"));
    } catch (IOException e) {
      return false;
    }
  }

  List<Long> pids(Path group) {
    try {
      return Files.readAllLines(group.resolve("cgroup.procs")).stream().filter(l -> !l.isBlank())
          .map(l -> Long.parseLong(l.trim())).toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  void remove(Path group) {
    group.toFile().delete();
  }

  /** The node's own parent goes when the node stops (rmdir: only once no group is left in it). */
  void removeParent() {
    parent.toFile().delete();
  }

  /** Groups left by a previous run of this node. */
  List<Path> leftovers() {
    return subgroups(parent);
  }

  /** The cgroups directly below {@code parent} (a node's per-run groups), none if it cannot be read. */
  static List<Path> subgroups(Path parent) {
    try (var groups = Files.list(parent)) {
      return groups.filter(Files::isDirectory).toList();
    } catch (IOException e) {
      return List.of();
    }
  }
}
