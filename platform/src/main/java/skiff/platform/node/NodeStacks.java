package skiff.platform.node;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import skiff.platform.dynos.ProcessDynoRuntime;
import skiff.platform.sandbox.NodeNetwork;
import skiff.platform.sandbox.Sandbox;
import skiff.platform.stacks.StackImages;

/**
 * Decides whether this node runs builds and dynos sealed on stacks, and makes sure the default
 * stack is there before the first build or dyno needs it. As root on Linux it must: a node that
 * cannot seal would let any app's code own the machine, so it refuses to start and says what to
 * install. Not root, nothing can be sealed or built (mmdebstrap, cgroups and mounts need root):
 * the node runs unisolated for trying Skiff out, and says so at start.
 */
final class NodeStacks {
  private NodeStacks() {}

  /** Progress goes to {@code out} with the other start-up lines. */
  static Optional<StackImages> open(Settings settings, java.io.PrintStream out) {
    java.util.function.Consumer<String> say = line -> {
      out.println("skiff: stacks     " + line);
      out.flush();
    };
    if (!runningAsRoot()) {
      say.accept("not running as root: builds and dynos run unsealed on this machine's own userland, and stacks"
          + " are not built (run bin/skiff server as root to seal them)");
      return Optional.empty();
    }
    Sandbox.missingTools().ifPresent(missing -> {
      throw new SettingsException("builds and dynos run sealed in a sandbox on a stack, and this machine lacks "
          + missing + ". Install them: apt-get install bubblewrap passt mmdebstrap util-linux iproute2 nftables");
    });
    StackImages images = new StackImages(settings.stackCache(), StackImages.shipped(), say);
    String first = images.defaultName();
    if (!images.built(first)) {
      say.accept("the default stack " + first + " is not on this machine yet: building it before the first app"
          + " needs it");
    }
    try {
      images.root(first).join();
    } catch (RuntimeException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new SettingsException("cannot build the default stack " + first + " into " + settings.stackCache() + ": "
          + cause.getMessage());
    }
    return Optional.of(images);
  }

  /**
   * The network sealed builds and dynos are linked to, named after this node's home; made anew at
   * each start (what an earlier run left is removed first).
   */
  static Optional<NodeNetwork> network(Settings settings, Optional<StackImages> stacks, java.io.PrintStream out) {
    if (stacks.isEmpty()) {
      return Optional.empty();
    }
    try {
      NodeNetwork network = NodeNetwork.open(ProcessDynoRuntime.nodeKey(settings.home()), settings.home(),
          settings.dynoOutbound());
      out.println("skiff: network    " + network.describe());
      return Optional.of(network);
    } catch (java.io.IOException e) {
      throw new SettingsException("cannot make the network for this node's dynos: " + e.getMessage());
    }
  }

  private static boolean runningAsRoot() {
    try {
      return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    } catch (Exception e) {
      return false;
    }
  }
}
