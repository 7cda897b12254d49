package skiff.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * kill -9 of the platform while dynos run: the dyno processes it leaves are found and stopped
 * (none runs unnoticed, none is doubled) and the formation comes back from the journal.
 */
class PlatformCrashTest {

  /** Alive and not a zombie (a killed orphan stays a zombie until this sandbox's init reaps it). */
  private static boolean running(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
      return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
    } catch (java.io.IOException gone) {
      return false;
    }
  }

  @Test
  void dynosLeftByAKilledPlatformAreStoppedAndTheFormationComesBack() throws Exception {
    Path home = TestNode.freshHome();
    Map<String, String> env = TestNode.env(home);
    List<Long> before = new ArrayList<>();
    List<Long> wrappers = new ArrayList<>();
    try (ServerProcess first = ServerProcess.start(env)) {
      Api api = new Api(first.apiPort, TestNode.TOKEN);
      DynoTest.deploy(api, first.apiPort, Files.createTempDirectory("crash-app"), "crash-platform");
      api.patch("/apps/crash-platform/formation", "{\"updates\":[{\"type\":\"web\",\"quantity\":\"2\"}]}")
          .expect(200);
      for (String name : List.of("web.1", "web.2")) {
        JsonNode d = DynoTest.awaitDyno(api, "crash-platform", name,
            x -> x.path("state").asText().equals("up"), Duration.ofSeconds(20));
        wrappers.add(d.path("pid").asLong());
        ProcessHandle.of(d.path("pid").asLong()).orElseThrow().descendants().forEach(p -> before.add(p.pid()));
      }
      first.killHard();
    }
    assertTrue(before.stream().anyMatch(PlatformCrashTest::running), "the dynos outlived the killed platform");

    try (ServerProcess second = ServerProcess.start(env)) {
      assertTrue(second.ready(), second.output.toString());
      assertTrue(second.output.stream().anyMatch(l -> l.contains("left by the previous platform run")),
          second.output.toString());
      for (long pid : before) {
        assertFalse(running(pid), "orphan " + pid + " stopped");
      }
      Api api = new Api(second.apiPort, TestNode.TOKEN);
      List<Long> after = new ArrayList<>();
      for (String name : List.of("web.1", "web.2")) {
        JsonNode d = DynoTest.awaitDyno(api, "crash-platform", name,
            x -> x.path("state").asText().equals("up"), Duration.ofSeconds(30));
        assertEquals(name, DynoTest.get(d, "/"));
        after.add(d.path("pid").asLong());
      }
      assertFalse(after.stream().anyMatch(wrappers::contains));
      long running = after.stream().mapToLong(pid -> ProcessHandle.of(pid).orElseThrow().descendants()
          .filter(p -> p.info().command().orElse("").contains("python")).count()).sum();
      List<String> seen = new ArrayList<>();
      after.forEach(pid -> ProcessHandle.of(pid).orElseThrow().descendants()
          .forEach(p -> seen.add(p.pid() + " " + p.info().commandLine().orElse("?"))));
      assertEquals(2, running, "one process per dyno, none doubled: " + seen);
    }
  }
}
