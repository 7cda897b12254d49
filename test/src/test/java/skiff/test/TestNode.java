package skiff.test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import skiff.platform.node.Settings;
import skiff.platform.node.SkiffNode;

/** A real Skiff node for a test: its own SKIFF_HOME, every listener on a free port, a known token. */
public final class TestNode {
  public static final String TOKEN = "test-token-0123456789";

  private TestNode() {}

  public static Path freshHome() throws IOException {
    return Files.createTempDirectory("skiff-test-");
  }

  public static Map<String, String> env(Path home) {
    Map<String, String> env = new HashMap<>();
    env.put("HOME", home.toString());
    env.put("SKIFF_HOME", home.toString());
    env.put("SKIFF_API_PORT", "0");
    env.put("SKIFF_API_TLS_PORT", "0");
    env.put("SKIFF_ROUTER_PORT", "0");
    env.put("SKIFF_ROUTER_TLS_PORT", "0");
    env.put("SKIFF_RENDEZVOUS_PORT", "0");
    // test classes run in several JVMs at once: each fork's dynos take ports from a range of their own
    int fork = Integer.getInteger("skiff.test.fork", 1);
    int from = 20000 + (fork - 1) * 2500;
    env.put("SKIFF_DYNO_PORT_RANGE", from + "-" + (from + 2499));
    env.put("SKIFF_ADMIN_TOKEN", TOKEN);
    env.put("SKIFF_STACK_CACHE", stackCache().toString());
    return env;
  }

  /**
   * A node of a cluster on the PostgreSQL {@code database}, with the cluster's master {@code key},
   * named {@code name} and listening for the cluster on {@code clusterPort}; no seed nodes (a
   * caller joining an existing cluster adds SKIFF_SEED_NODES).
   */
  public static Map<String, String> clusterEnv(String database, String key, String name, int clusterPort)
      throws IOException {
    Map<String, String> env = env(freshHome());
    env.put("SKIFF_DATABASE_URL", TestDatabases.url(database));
    env.put("SKIFF_SECRET_KEY", key);
    env.put("SKIFF_NODE_NAME", name);
    env.put("SKIFF_CLUSTER_PORT", String.valueOf(clusterPort));
    return env;
  }

  /** A port free now on 127.0.0.1, for a listener that cannot be given 0 (a cluster seed's). */
  public static int freePort() throws IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /**
   * Every test node shares one built stack per machine (about a minute to build, 900 MB), kept
   * with the heroku CLI in ~/.cache/skiff. It is built here once, before the first node starts,
   * so no test's start-up deadline includes it; the two test JVMs wait for each other's build.
   */
  static synchronized Path stackCache() {
    Path cache = Path.of(System.getProperty("user.home"), ".cache", "skiff", "stacks");
    if (!stackReady) {
      var images = new skiff.platform.stacks.StackImages(cache, skiff.platform.stacks.StackImages.shipped(),
          line -> System.out.println("test stacks: " + line));
      if (isRoot()) {
        images.root(images.defaultName()).join();
      }
      stackReady = true;
    }
    return cache;
  }

  private static boolean stackReady;

  static boolean isRoot() {
    try {
      return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  public static SkiffNode start(Path home) {
    return start(env(home));
  }

  public static SkiffNode start(Map<String, String> env) {
    return SkiffNode.start(Settings.load(env), System.out);
  }
}
