package skiff.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import skiff.platform.node.SkiffNode;
import skiff.test.Api;
import skiff.test.Git;
import skiff.test.MavenApp;
import skiff.test.TestNode;

/**
 * Push-to-release time with the real git client: a tiny Procfile-only app, and a Maven app with a
 * cold and a warm build cache. Not a test; run with {@code mvn -Pbench -pl test -am verify}.
 */
public final class PushBench {
  public static void main(String[] args) throws Exception {
    int runs = Integer.parseInt(System.getProperty("bench.pushes", "10"));
    Path work = Files.createTempDirectory("skiff-push-bench");
    try (SkiffNode node = TestNode.start(Files.createTempDirectory("skiff-bench"))) {
      Api api = new Api(node.apiPort(), TestNode.TOKEN);
      System.out.println("== Skiff push-to-release benchmark (git push until the release exists) ==");

      api.post("/apps", "{\"name\":\"tiny\"}").expect(201);
      Git tiny = Git.init(work.resolve("tiny"));
      double[] times = new double[runs];
      for (int i = 0; i < runs; i++) {
        tiny.write("Procfile", "web: ./server " + i + "\n").commit("change " + i);
        times[i] = push(tiny, node, "tiny");
      }
      Arrays.sort(times);
      System.out.printf("%-34s median %5.2f s, best %5.2f s, worst %5.2f s (%d pushes)%n",
          "Procfile-only app", times[runs / 2], times[0], times[runs - 1], runs);

      api.post("/apps", "{\"name\":\"maven\"}").expect(201);
      Git maven = Git.init(work.resolve("maven"));
      maven.write("pom.xml", MavenApp.POM).write("src/main/java/hello/Main.java", MavenApp.MAIN).commit("java");
      System.out.printf("%-34s %5.2f s%n", "Maven app, cold cache", push(maven, node, "maven"));
      maven.write("src/main/java/hello/Extra.java", "package hello; class Extra {}\n").commit("warm");
      System.out.printf("%-34s %5.2f s%n", "Maven app, warm cache", push(maven, node, "maven"));
    }
  }

  private static double push(Git git, SkiffNode node, String app) throws Exception {
    long start = System.nanoTime();
    Git.Result result = git.run("push", "-q", "--force",
        "http://heroku:" + TestNode.TOKEN + "@127.0.0.1:" + node.apiPort() + "/" + app + ".git", "main");
    if (result.status() != 0) {
      throw new IllegalStateException("push failed: " + result.output());
    }
    return (System.nanoTime() - start) / 1e9;
  }
}
