package skiff.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import skiff.platform.node.SkiffNode;
import skiff.test.Api;
import skiff.test.Git;
import skiff.test.MavenApp;
import skiff.test.RouterApp;
import skiff.test.TestNode;

/**
 * Push-to-release by app kind: {@code git push} to Skiff until the release exists (build, slug,
 * release; the push returns then), beside the same commit pushed to a plain bare repository: the
 * floor, what moving the objects alone costs. Each round pushes a new commit; the first push of
 * each app (cold caches) is the warm-up.
 */
final class PushPart implements BenchSuite.Runner {
  @Override
  public void run(BenchSuite suite) throws Exception {
    Table table = suite.table("push-to-release", "Push to release", "s", false, "app", false)
        .ratio("Skiff (push to release)", "bare repository (push only)");
    Path work = Files.createTempDirectory("bench-push");
    try (SkiffNode node = TestNode.start(TestNode.freshHome())) {
      Api api = new Api(node.apiPort(), TestNode.TOKEN);
      kind(suite, table, node, api, work, "Procfile app (shell)", "procfile", git -> git
          .write("Procfile", "web: exec python3 -m http.server $PORT\n"));
      kind(suite, table, node, api, work, "Node.js app (npm, no dependencies)", "nodejs", git -> git
          .write("package.json", RouterApp.PACKAGE).write("server.js", RouterApp.SERVER));
      if (!suite.quick) {
        kind(suite, table, node, api, work, "Maven app (warm cache)", "maven", git -> git
            .write("pom.xml", MavenApp.POM).write("src/main/java/hello/Main.java", MavenApp.MAIN));
      }
    }
  }

  private interface Source {
    void write(Git git) throws Exception;
  }

  private static void kind(BenchSuite suite, Table table, SkiffNode node, Api api, Path work, String label,
      String app, Source source) throws Exception {
    BenchSuite.say("push: " + label);
    api.post("/apps", "{\"name\":\"" + app + "\"}").expect(201);
    Git git = Git.init(work.resolve(app));
    source.write(git);
    git.write("ROUND", "0\n").commit("round 0");
    Path bare = work.resolve(app + "-bare.git");
    Git.Result init = git.run("init", "-q", "--bare", bare.toString());
    if (init.status() != 0) {
      throw new IllegalStateException(init.output());
    }
    List<Double> floor = new ArrayList<>();
    int[] round = {0};
    Figure skiff = suite.measure(() -> {
      round[0]++;
      git.write("ROUND", round[0] + "\n").commit("round " + round[0]);
      double toSkiff = timed(git, "http://h:" + TestNode.TOKEN + "@127.0.0.1:" + node.apiPort() + "/" + app + ".git");
      double toBare = timed(git, "file://" + bare);
      if (round[0] > 1) { // the first round is the warm-up
        floor.add(toBare);
      }
      return toSkiff;
    });
    table.put(label, "Skiff (push to release)", skiff);
    table.put(label, "bare repository (push only)", new Figure(floor));
  }

  private static double timed(Git git, String remote) throws Exception {
    long start = System.nanoTime();
    Git.Result pushed = git.run("push", "-q", remote, "main");
    if (pushed.status() != 0) {
      throw new IllegalStateException("push to " + remote.replaceAll("//h:[^@]+@", "//") + " failed: "
          + pushed.output());
    }
    return (System.nanoTime() - start) / 1e9;
  }
}
