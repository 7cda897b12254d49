package skiff.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A bad setting stops `skiff server` with one clear line and a non-zero exit. */
class StartupTest {

  private static ServerProcess startWith(Map<String, String> overrides) throws Exception {
    Map<String, String> env = TestNode.env(TestNode.freshHome());
    env.putAll(overrides);
    return ServerProcess.start(env);
  }

  private static void assertRefused(ServerProcess server, String fragment) throws Exception {
    server.process.waitFor();
    assertFalse(server.ready());
    assertEquals(2, server.process.exitValue());
    List<String> lines = server.output.stream().filter(l -> l.startsWith("skiff: ")).toList();
    assertEquals(1, lines.size(), server.output.toString());
    assertTrue(lines.get(0).contains(fragment), lines.get(0));
  }

  @Test
  void aBadDurationNamesTheVariable() throws Exception {
    try (ServerProcess s = startWith(Map.of("SKIFF_CRASH_COOLDOWN", "ten minutes"))) {
      assertRefused(s, "SKIFF_CRASH_COOLDOWN='ten minutes' is not a duration");
    }
  }

  @Test
  void aPortInUseNamesThePort() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"));
        ServerProcess s = startWith(Map.of("SKIFF_API_PORT", String.valueOf(taken.getLocalPort())))) {
      assertRefused(s, "SKIFF_API_PORT=" + taken.getLocalPort());
    }
  }

  @Test
  void anUnusableHomeIsNamed() throws Exception {
    Path file = Files.createTempFile("not-a-dir", "");
    try (ServerProcess s = startWith(Map.of("SKIFF_HOME", file.resolve("home").toString()))) {
      assertRefused(s, "SKIFF_HOME=" + file.resolve("home"));
    }
  }

  @Test
  void aSecondServerOnTheSameHomeIsRefused() throws Exception {
    Map<String, String> env = TestNode.env(TestNode.freshHome());
    try (ServerProcess first = ServerProcess.start(env)) {
      assertTrue(first.ready());
      try (ServerProcess second = ServerProcess.start(env)) {
        assertRefused(second, "in use by another running Skiff server");
      }
    }
  }
}
