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
    // test classes run in two JVMs at once: each fork's dynos take ports from a range of their own
    int fork = Integer.getInteger("skiff.test.fork", 1);
    int from = 20000 + (fork - 1) * 2500;
    env.put("SKIFF_DYNO_PORT_RANGE", from + "-" + (from + 2499));
    env.put("SKIFF_ADMIN_TOKEN", TOKEN);
    return env;
  }

  public static SkiffNode start(Path home) {
    return start(env(home));
  }

  public static SkiffNode start(Map<String, String> env) {
    return SkiffNode.start(Settings.load(env), System.out);
  }
}
