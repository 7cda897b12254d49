package skiff.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A build sees none of the server's settings and does not outlive the server: an npm lifecycle
 * script that prints its environment finds no SKIFF_ variable (the admin token among them), cannot
 * read SKIFF_HOME nor unmount what hides it, and a build still running when the server is killed
 * with kill -9 is gone with it.
 */
class BuildContainmentTest {

  @Test
  void aBuildSeesNoneOfTheServersSettingsAndDiesWithIt() throws Exception {
    Path home = TestNode.freshHome();
    Map<String, String> env = TestNode.env(home);
    String marker = "skiff-build-canary-" + System.nanoTime();
    try (ServerProcess server = ServerProcess.start(env)) {
      assertTrue(server.ready(), server.output.toString());
      Api api = new Api(server.apiPort, TestNode.TOKEN);
      api.post("/apps", "{\"name\":\"nosy\"}").expect(201);
      Git git = Git.init(home.resolve("work").resolve("nosy"));
      Path canary = Files.createTempFile("skiff-canary-", ".txt");
      Files.writeString(canary, "host secret");
      Files.setPosixFilePermissions(canary, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
      String peek = "env | sort; echo END-OF-ENV; cat " + home + "/admin.token && echo READ-HOME || echo HOME-HIDDEN;"
          + " cat " + canary + " && echo CANARY-READ || echo CANARY-HIDDEN;"
          + " umount " + home + " && echo UNMOUNTED || echo UMOUNT-REFUSED; echo BUILD-UID=$(id -u);"
          + " grep PRETTY_NAME /etc/os-release;"
          + " node -e \"require('net').connect(" + server.apiPort + ", '127.0.0.1')"
          + ".on('connect', () => { console.log('API-REACHED'); process.exit(0) })"
          + ".on('error', () => console.log('API-UNREACHABLE'))\"";
      git.write("package.json", "{\"name\":\"nosy\",\"version\":\"1.0.0\",\"scripts\":{\"preinstall\":"
              + Api.JSON.writeValueAsString(peek) + "},\"dependencies\":{}}")
          .write("index.js", "require('http').createServer((q, r) => r.end('ok')).listen(process.env.PORT)")
          .write("Procfile", "web: node index.js\n").commit("nosy");
      Git.Result pushed = git.pushTo(server.apiPort, "nosy");
      assertTrue(pushed.output().contains("END-OF-ENV"), "the lifecycle script ran: " + pushed.output());
      assertFalse(pushed.output().contains("SKIFF_"), "no server setting reached the build: " + pushed.output());
      assertFalse(pushed.output().contains(TestNode.TOKEN), "nor the admin token");
      // npm echoes the script itself, so only a line of its own counts
      assertTrue(printed(pushed, "HOME-HIDDEN") && !printed(pushed, "READ-HOME"),
          "SKIFF_HOME is hidden from the build: " + pushed.output());
      assertTrue(printed(pushed, "UMOUNT-REFUSED") && !printed(pushed, "UNMOUNTED"),
          "and the build cannot unhide it: " + pushed.output());
      assertEquals(0, pushed.status(), "the build itself still works: " + pushed.output());
      if (TestNode.isRoot()) {
        assertTrue(printed(pushed, "BUILD-UID=65534"), "the build runs as nobody: " + pushed.output());
        assertTrue(printed(pushed, "CANARY-HIDDEN") && !printed(pushed, "CANARY-READ"),
            "a world-readable host file outside SKIFF_HOME is not there for the build: " + pushed.output());
        assertTrue(pushed.output().contains("Debian GNU/Linux 12 (bookworm)"), "on the app's stack");
        assertTrue(printed(pushed, "API-UNREACHABLE") && !printed(pushed, "API-REACHED"),
            "the build cannot reach the node's API on the host's loopback: " + pushed.output());
      }

      api.post("/apps", "{\"name\":\"slow\"}").expect(201);
      Git slow = Git.init(home.resolve("work").resolve("slow"));
      slow.write("package.json", "{\"name\":\"slow\",\"version\":\"1.0.0\",\"scripts\":{\"preinstall\":"
              + "\"node -e 'setTimeout(() => {}, 300000)' " + marker + "\"},\"dependencies\":{}}")
          .write("Procfile", "web: node index.js\n").commit("slow");
      CompletableFuture<Git.Result> stuck = CompletableFuture.supplyAsync(() -> {
        try {
          return slow.pushTo(server.apiPort, "slow");
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (!running(marker) && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      assertTrue(running(marker), "the slow build is running");
      server.killHard();
      long gone = System.nanoTime() + 10_000_000_000L;
      while (running(marker) && System.nanoTime() < gone) {
        Thread.sleep(100);
      }
      assertFalse(running(marker), "the build's processes died with the server");
      stuck.handle((r, e) -> r);
    }
    // the killed server's dynos (nosy's web.1) outlive it, as dynos do; a restart on its home stops them
    try (ServerProcess reaper = ServerProcess.start(env)) {
      assertTrue(reaper.ready(), reaper.output.toString());
    }
  }

  private static boolean printed(Git.Result result, String word) {
    return result.output().lines().anyMatch(l -> l.strip().equals("remote:        " + word)
        || l.replaceFirst("^remote:\\s*", "").strip().equals(word));
  }

  /** Whether any process on the machine has the marker on its command line. */
  private static boolean running(String marker) throws Exception {
    try (var procs = Files.list(Path.of("/proc"))) {
      return procs.filter(p -> p.getFileName().toString().matches("\\d+")).anyMatch(p -> {
        try {
          return new String(Files.readAllBytes(p.resolve("cmdline"))).contains(marker);
        } catch (Exception e) {
          return false;
        }
      });
    }
  }
}
