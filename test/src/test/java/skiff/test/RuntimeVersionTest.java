package skiff.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import skiff.platform.node.SkiffNode;

/**
 * The runtime versions apps ask for: Node.js from engines.node (official builds from the npm
 * registry), Python and Java only when the stack has them; a request that cannot be met fails the
 * build with what is available.
 */
class RuntimeVersionTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String SERVER = "require('http').createServer((q, s) => s.end(process.version))"
      + ".listen(process.env.PORT)\n";
  private static SkiffNode node;
  private static Api api;
  private static Path work;

  @BeforeAll
  static void start() throws Exception {
    work = Files.createTempDirectory("skiff-runtimes");
    node = TestNode.start(TestNode.freshHome());
    api = new Api(node.apiPort(), TestNode.TOKEN);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static Git.Result push(String app, Git git) throws Exception {
    api.post("/apps", "{\"name\":\"" + app + "\"}").expect(201);
    return git.pushTo(node.apiPort(), app);
  }

  private static Git.Result nodeApp(String app, String engines) throws Exception {
    Git git = Git.init(work.resolve(app))
        .write("package.json", "{\"name\":\"" + app + "\",\"version\":\"1.0.0\",\"engines\":{\"node\":\"" + engines
            + "\"}}\n")
        .write("server.js", SERVER).write("Procfile", "web: node server.js\n").commit("node");
    return push(app, git);
  }

  private static String versionServed(String app) throws Exception {
    return DynoTest.get(DynoTest.awaitDyno(api, app, "web.1", d -> d.path("state").asText().equals("up"),
        Duration.ofSeconds(60)), "/");
  }

  @Test
  void aNodeAppRunsTheMajorVersionItsEnginesAskFor() throws Exception {
    Git.Result twentyTwo = nodeApp("node-22", "22.x");
    assertEquals(0, twentyTwo.status(), twentyTwo.output());
    assertTrue(twentyTwo.output().contains("Using node v22."), twentyTwo.output());
    assertTrue(versionServed("node-22").startsWith("v22."));

    Git.Result eighteen = nodeApp("node-18", "18.x");
    assertEquals(0, eighteen.status(), eighteen.output());
    assertTrue(versionServed("node-18").startsWith("v18."));
  }

  @Test
  void anImpossibleNodeRangeFailsTheBuildListingWhatThereIs() throws Exception {
    Git.Result impossible = nodeApp("node-99", "99.x");
    assertNotEquals(0, impossible.status());
    assertTrue(impossible.output().contains("No Node.js release matches '99.x' (package.json engines.node)")
        && impossible.output().matches("(?s).*Available \\(newest of each major\\): .*22\\.\\d+\\.\\d+.*"),
        impossible.output());
  }

  @Test
  void aPythonOrJavaVersionTheStackLacksFailsTheBuildNamingWhatItHas() throws Exception {
    Git python = Git.init(work.resolve("py-314")).write(".python-version", "3.99\n").write("requirements.txt", "")
        .write("Procfile", "web: python3 -m http.server $PORT\n").commit("py");
    Git.Result py = push("py-314", python);
    assertNotEquals(0, py.status());
    assertTrue(py.output().matches("(?s).*Python 3\\.99 was requested \\(\\.python-version\\), but this Skiff stack"
        + " has Python 3\\.\\d+\\.\\d+ only.*"), py.output());

    Git java = Git.init(work.resolve("java-99")).write("system.properties", "java.runtime.version=99\n")
        .write("pom.xml", "<project/>\n").commit("java");
    Git.Result j = push("java-99", java);
    assertNotEquals(0, j.status());
    assertTrue(j.output().matches("(?s).*Java 99 was requested \\(system.properties java.runtime.version\\), but this"
        + " Skiff stack has Java \\d+ only.*"), j.output());
  }
}
