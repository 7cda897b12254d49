package skiff.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import skiff.platform.node.SkiffNode;

/** git push over smart HTTP builds the pushed commit with the built-in buildpacks into a release. */
class GitPushTest {
  private static SkiffNode node;
  private static Api api;
  private static Path home;
  private static Path work;

  @BeforeAll
  static void start() throws Exception {
    home = TestNode.freshHome();
    work = Files.createTempDirectory("skiff-push");
    Map<String, String> env = TestNode.env(home);
    env.put("SKIFF_SLUG_WARN_SIZE", "1MB");
    env.put("SKIFF_SLUG_MAX_SIZE", "2MB");
    node = TestNode.start(env);
    api = new Api(node.apiPort(), TestNode.TOKEN);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static String remote(String app, String token) {
    return "http://heroku:" + token + "@127.0.0.1:" + node.apiPort() + "/" + app + ".git";
  }

  private static Git newApp(String app) throws Exception {
    api.post("/apps", "{\"name\":\"" + app + "\"}").expect(201);
    return Git.init(work.resolve(app));
  }

  private static Git.Result push(Git git, String app, String... extra) throws Exception {
    String[] args = new String[3 + extra.length];
    args[0] = "push";
    System.arraycopy(extra, 0, args, 1, extra.length);
    args[1 + extra.length] = remote(app, TestNode.TOKEN);
    args[2 + extra.length] = "main";
    return git.run(args);
  }

  private static JsonNode current(String app) {
    Api.Answer answer = api.get("/apps/" + app + "/releases", "version ..; max=1, order=desc");
    assertTrue(answer.status() == 200 || answer.status() == 206, answer.raw().body());
    return answer.body().get(0);
  }

  /** The file names in a slug archive. */
  private static List<String> slugFiles(String app) throws Exception {
    String slugId = current(app).path("slug").path("id").asText();
    String checksum = api.get("/apps/" + app + "/slugs/" + slugId).expect(200).body().path("checksum").asText();
    Path archive = home.resolve("slugs").resolve(checksum.substring("SHA256:".length()) + ".tgz");
    Process tar = new ProcessBuilder("tar", "-tzf", archive.toString()).start();
    String list = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, tar.waitFor());
    return list.lines().map(l -> l.replaceFirst("^\\./", "")).toList();
  }

  @Test
  void aSymlinkOutOfTheAppIsRefusedAndOneInsideIsKept() throws Exception {
    api.post("/apps", "{\"name\":\"linky\"}").expect(201);
    Git git = Git.init(work.resolve("linky"));
    git.write("Procfile", "web: python3 -m http.server $PORT\n").write("requirements.txt", "").commit("first");
    java.nio.file.Files.createSymbolicLink(work.resolve("linky").resolve("leak"), java.nio.file.Path.of("/etc/passwd"));
    git.commit("a link out");
    Git.Result refused = git.pushTo(node.apiPort(), "linky");
    assertTrue(refused.status() != 0 && refused.output().contains("The symlink leak points outside the app"),
        refused.output());
    assertFalse(refused.output().contains("root:x:0:0"), "nothing of the host's file reached the pusher");
    assertEquals(1, api.get("/apps/linky/releases").body().size(), "no release was made");

    git.run("rm", "-q", "leak");
    java.nio.file.Files.createSymbolicLink(work.resolve("linky").resolve("docs"), java.nio.file.Path.of("Procfile"));
    git.commit("a link in");
    Git.Result ok = git.pushTo(node.apiPort(), "linky");
    assertEquals(0, ok.status(), ok.output());
  }

  @Test
  void aPythonAppWithAProcfileBecomesARelease() throws Exception {
    Git git = newApp("py-app");
    git.write("app.py", "print('hello')\n").write("requirements.txt", "")
        .write("Procfile", "web: python3 app.py\nworker: python3 -c 'import time; time.sleep(9)'\n")
        .write("docs/big-notes.txt", "not for the slug\n").write(".slugignore", "docs/\n*.log\n")
        .write("debug.log", "noise\n").commit("first python");
    Git.Result result = push(git, "py-app");
    assertEquals(0, result.status(), result.output());
    assertTrue(result.output().contains("remote: -----> Python app detected"), result.output());
    assertTrue(result.output().contains("remote:        Procfile declares types -> web, worker"), result.output());
    assertTrue(result.output().contains("remote:        Released v2"), result.output());
    assertFalse(result.output().contains("Updating references"), "no doubled progress line: " + result.output());
    JsonNode release = current("py-app");
    assertEquals(2, release.path("version").asInt());
    assertEquals("Deploy " + git.head().substring(0, 7), release.path("description").asText());
    JsonNode slug = api.get("/apps/py-app/slugs/" + release.path("slug").path("id").asText()).body();
    assertEquals("python3 app.py", slug.path("process_types").path("web").asText());
    assertTrue(slug.path("checksum").asText().matches("SHA256:[0-9a-f]{64}"));
    List<String> files = slugFiles("py-app");
    assertTrue(files.contains("app.py"), files.toString());
    assertTrue(files.contains(".profile.d/python.sh"), files.toString());
    assertFalse(files.stream().anyMatch(f -> f.startsWith("docs") || f.endsWith(".log")), ".slugignore: " + files);
    assertEquals(1, api.get("/apps/py-app/formation/web").body().path("quantity").asInt());

    Path clone = work.resolve("py-clone");
    Git.Result cloned = new Git(work).run("clone", "-q", remote("py-app", TestNode.TOKEN), clone.toString());
    assertEquals(0, cloned.status(), cloned.output());
    assertEquals("print('hello')\n", Files.readString(clone.resolve("app.py")));
  }

  @Test
  void aNodeAppGetsItsDependenciesAndTheBuildpacksDefaultWebProcess() throws Exception {
    Git git = newApp("node-app");
    git.write("package.json", "{\"name\":\"node-app\",\"version\":\"1.0.0\",\"scripts\":{\"start\":\"node server.js\"},"
            + "\"dependencies\":{\"is-number\":\"7.0.0\"}}\n")
        .write("server.js", "require('http').createServer((q, s) => s.end('hi')).listen(process.env.PORT)\n")
        .commit("node");
    Git.Result result = push(git, "node-app");
    assertEquals(0, result.status(), result.output());
    assertTrue(result.output().contains("remote: -----> Node.js app detected"), result.output());
    assertTrue(result.output().contains("Default types for buildpack -> web"), result.output());
    JsonNode slug = api.get("/apps/node-app/slugs/" + current("node-app").path("slug").path("id").asText()).body();
    assertEquals("npm start", slug.path("process_types").path("web").asText());
    assertTrue(slugFiles("node-app").contains("node_modules/is-number/package.json"));
    assertTrue(Files.isDirectory(home.resolve("cache")), "npm's cache is kept per app");
  }

  @Test
  void aMavenAppBuildsAndItsSecondPushReusesTheCache() throws Exception {
    Git git = newApp("java-app");
    git.write("pom.xml", MavenApp.POM).write("src/main/java/hello/Main.java", MavenApp.MAIN).commit("java");
    long cold = System.nanoTime();
    Git.Result first = push(git, "java-app");
    cold = System.nanoTime() - cold;
    assertEquals(0, first.status(), first.output());
    assertTrue(first.output().contains("remote: -----> Java app detected"), first.output());
    JsonNode slug = api.get("/apps/java-app/slugs/" + current("java-app").path("slug").path("id").asText()).body();
    assertEquals("java $JAVA_OPTS -jar target/hello-1.0.jar", slug.path("process_types").path("web").asText());
    assertTrue(slugFiles("java-app").contains("target/hello-1.0.jar"));

    String appId = api.get("/apps/java-app").body().path("id").asText();
    Path repository = home.resolve("cache").resolve(appId).resolve("m2");
    long artifactsBefore = countFiles(repository);
    assertTrue(artifactsBefore > 0, "the Maven repository lives in the app's cache");
    git.write("src/main/java/hello/Extra.java", "package hello; class Extra {}\n").commit("second");
    long warm = System.nanoTime();
    Git.Result second = push(git, "java-app");
    warm = System.nanoTime() - warm;
    assertEquals(0, second.status(), second.output());
    assertEquals(artifactsBefore, countFiles(repository), "the warm build downloaded nothing new");
    assertEquals(3, current("java-app").path("version").asInt());
    System.out.printf("maven push-to-release: cold %.1f s, warm %.1f s%n", cold / 1e9, warm / 1e9);
  }

  private static long countFiles(Path dir) throws Exception {
    try (var files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().startsWith("_remote")
          && !f.getFileName().toString().endsWith(".lastUpdated")).count();
    }
  }

  @Test
  void aStaticSiteIsServedByTheStaticBuildpack() throws Exception {
    Git git = newApp("static-app");
    git.write("index.html", "<h1>hi</h1>\n").commit("site");
    Git.Result result = push(git, "static-app");
    assertEquals(0, result.status(), result.output());
    assertTrue(result.output().contains("Static HTML app detected"), result.output());
    JsonNode slug = api.get("/apps/static-app/slugs/" + current("static-app").path("slug").path("id").asText()).body();
    assertEquals(".skiff/serve-static.sh", slug.path("process_types").path("web").asText());
  }

  /** Each failure: git exits non-zero, the reason is in the last remote lines, no release appears. */
  private static void assertRejected(Git git, String app, String reason) throws Exception {
    JsonNode before = current(app);
    Git.Result result = push(git, app);
    assertNotEquals(0, result.status(), result.output());
    assertTrue(result.tail(8).contains(reason), "reason '" + reason + "' not in:\n" + result.tail(8));
    assertTrue(result.output().contains("[remote rejected] main -> main (pre-receive hook declined)"), result.output());
    assertEquals(before.path("version").asInt(), current(app).path("version").asInt(), "no new release");
    assertEquals(before.path("id").asText(), current(app).path("id").asText());
  }

  @Test
  void failedBuildsRejectThePushAndKeepThePreviousRelease() throws Exception {
    Git git = newApp("fail-app");
    git.write("README.md", "nothing to run\n").commit("docs only");
    assertRejected(git, "fail-app", "No default language could be detected for this app.");

    git.write("Procfile", "web: ./server\nthis line has no colon\n").commit("bad procfile");
    assertRejected(git, "fail-app", "Procfile line 2");

    git.write("Procfile", "web: python3 -m http.server $PORT\n").commit("good procfile");
    assertEquals(0, push(git, "fail-app").status());
    int good = current("fail-app").path("version").asInt();

    git.write("package.json", "{\"name\":\"x\",\"version\":\"1.0.0\",\"scripts\":{\"build\":\"exit 3\"}}\n")
        .commit("a failing build script");
    assertRejected(git, "fail-app", "Failed to compile Node.js app");

    Files.delete(git.dir.resolve("package.json"));
    byte[] noise = new byte[3 * 1024 * 1024];
    new java.util.Random(42).nextBytes(noise);
    Files.write(git.dir.resolve("noise.bin"), noise);
    git.commit("too big");
    assertRejected(git, "fail-app", "is too large (max is 2.0M)");
    assertEquals(good, current("fail-app").path("version").asInt());

    JsonNode builds = api.get("/apps/fail-app/builds").expect(200).body();
    assertEquals(List.of("failed", "failed", "succeeded", "failed", "failed"),
        builds.findValuesAsText("status"));
  }

  @Test
  void wrongOrMissingCredentialsGet401BeforeAnyObjectIsSent() throws Exception {
    Git git = newApp("auth-app");
    git.write("Procfile", "web: true\n").commit("x");
    Git.Result wrong = git.run("push", remote("auth-app", "not-the-token"), "main");
    assertNotEquals(0, wrong.status());
    assertTrue(wrong.output().contains("Authentication failed"), wrong.output());
    HttpResponse<String> bare = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
            "http://127.0.0.1:" + node.apiPort() + "/auth-app.git/info/refs?service=git-receive-pack")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(401, bare.statusCode());
    assertTrue(bare.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic"));
    assertEquals(1, current("auth-app").path("version").asInt());
    Git.Result unknown = git.run("push", remote("no-such-app", TestNode.TOKEN), "main");
    assertNotEquals(0, unknown.status());
  }

  @Test
  void nonFastForwardPushesNeedForce() throws Exception {
    Git git = newApp("ff-app");
    git.write("Procfile", "web: python3 -m http.server $PORT\n").commit("one");
    assertEquals(0, push(git, "ff-app").status());
    git.write("a.txt", "a\n").commit("two");
    assertEquals(0, push(git, "ff-app").status());
    assertEquals(0, git.run("reset", "-q", "--hard", "HEAD~1").status());
    git.write("b.txt", "b\n").commit("diverged");
    Git.Result refused = push(git, "ff-app");
    assertNotEquals(0, refused.status());
    assertTrue(refused.output().contains("rejected") && refused.output().contains("fetch first")
        || refused.output().contains("non-fast-forward"), refused.output());
    Git.Result forced = push(git, "ff-app", "--force");
    assertEquals(0, forced.status(), forced.output());
    assertEquals("Deploy " + git.head().substring(0, 7), current("ff-app").path("description").asText());
  }

  @Test
  void aSecondPushWhileOneBuildsIsRefusedNotInterleaved() throws Exception {
    Path pack = work.resolve("slow-buildpack");
    Files.createDirectories(pack.resolve("bin"));
    Files.writeString(pack.resolve("bin/detect"), "#!/bin/sh\necho Slow\n");
    Files.writeString(pack.resolve("bin/compile"), "#!/bin/sh\necho '       compiling slowly'\nsleep 4\n");
    for (String script : List.of("detect", "compile")) {
      pack.resolve("bin").resolve(script).toFile().setExecutable(true);
    }
    Git git = newApp("busy-app");
    api.patch("/apps/busy-app/config-vars", "{\"BUILDPACK_URL\":\"" + pack + "\"}").expect(200);
    git.write("Procfile", "web: true\n").commit("one");
    Git other = Git.init(work.resolve("busy-app-other"));
    other.write("Procfile", "worker: true\n").commit("other");

    CompletableFuture<Git.Result> first = CompletableFuture.supplyAsync(() -> {
      try {
        return push(git, "busy-app");
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    awaitBuildRunning(api, "busy-app");
    Git.Result second = other.run("push", "--force", remote("busy-app", TestNode.TOKEN), "main");
    assertNotEquals(0, second.status());
    assertTrue(second.output().contains("is already running"), second.output());
    Git.Result done = first.get(60, TimeUnit.SECONDS);
    assertEquals(0, done.status(), done.output());
    assertTrue(done.output().contains("-----> Using buildpack: " + pack), done.output());
    assertEquals("web", String.join(",", api.get("/apps/busy-app/slugs/"
        + current("busy-app").path("slug").path("id").asText()).body().path("process_types").fieldNames()
        .next()));
  }

  /** Waits until a build of the app is running (pending, in the builds API's words). */
  static void awaitBuildRunning(Api api, String app) throws InterruptedException {
    for (int i = 0; i < 100; i++) {
      for (JsonNode build : api.get("/apps/" + app + "/builds").body()) {
        if (build.path("status").asText().equals("pending")) {
          return;
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no build of " + app + " ever started");
  }

  @Test
  void theBuildsApiBuildsAnUploadedTarballAndStreamsItsOutput() throws Exception {
    api.post("/apps", "{\"name\":\"tar-app\"}").expect(201);
    Path src = Files.createDirectories(work.resolve("tar-src/tar-app"));
    Files.writeString(src.resolve("Procfile"), "web: python3 -m http.server $PORT\n");
    Path tarball = work.resolve("tar-app.tgz");
    Process tar = new ProcessBuilder("tar", "-czf", tarball.toString(), "-C", src.getParent().toString(), "tar-app")
        .start();
    assertEquals(0, tar.waitFor());

    JsonNode slot = api.post("/apps/tar-app/sources", "{}").expect(201).body().path("source_blob");
    HttpResponse<String> put = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
        slot.path("put_url").asText())).PUT(HttpRequest.BodyPublishers.ofFile(tarball)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, put.statusCode());
    JsonNode build = api.post("/apps/tar-app/builds", "{\"source_blob\":{\"url\":\"" + slot.path("get_url").asText()
        + "\",\"version\":\"v-tar-1\"}}").expect(201).body();
    assertEquals("pending", build.path("status").asText());
    HttpResponse<String> output = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
        build.path("output_stream_url").asText())).build(), HttpResponse.BodyHandlers.ofString());
    assertTrue(output.body().contains("-----> Procfile app detected"), output.body());
    assertTrue(output.body().contains("Released v2"), output.body());
    JsonNode done = api.get("/apps/tar-app/builds/" + build.path("id").asText()).expect(200).body();
    assertEquals("succeeded", done.path("status").asText());
    assertEquals(current("tar-app").path("id").asText(), done.path("release").path("id").asText());

    api.post("/apps/tar-app/builds", "{\"source_blob\":{}}").expectError(422, "invalid_params", "source_blob.url");
    JsonNode broken = api.post("/apps/tar-app/builds", "{\"source_blob\":{\"url\":\"" + slot.path("get_url").asText()
        + "\",\"checksum\":\"SHA256:00\"}}").expect(201).body();
    HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(broken.path("output_stream_url").asText()))
        .build(), HttpResponse.BodyHandlers.ofString());
    JsonNode failed = api.get("/apps/tar-app/builds/" + broken.path("id").asText()).body();
    assertEquals("failed", failed.path("status").asText());
    assertTrue(failed.path("failure").asText().contains("checksum"), failed.toString());
    assertEquals(2, current("tar-app").path("version").asInt());
  }

  @Test
  void pushesWorkOverTlsWithSkiffsCaAndBuildpacksComeFromGitUrls() throws Exception {
    Path pack = work.resolve("git-buildpack");
    Git packRepo = Git.init(pack);
    packRepo.write("bin/detect", "#!/bin/sh\necho Custom\n")
        .write("bin/compile", "#!/bin/sh\necho '       custom compile ran'\necho built > \"$1/built.txt\"\n")
        .write("bin/release", "#!/bin/sh\nprintf -- '---\\ndefault_process_types:\\n  web: cat built.txt\\n'\n");
    for (String script : List.of("detect", "compile", "release")) {
      pack.resolve("bin").resolve(script).toFile().setExecutable(true);
    }
    packRepo.commit("a buildpack");

    Git git = newApp("tls-app");
    api.patch("/apps/tls-app/config-vars", "{\"BUILDPACK_URL\":\"file://" + pack + "\"}").expect(200);
    git.write("README", "built by a buildpack from git\n").commit("app");
    String https = "https://heroku:" + TestNode.TOKEN + "@127.0.0.1:" + node.apiTlsPort() + "/tls-app.git";
    Git.Result result = git.run("-c", "http.sslCAInfo=" + node.caPem(), "push", https, "main");
    assertEquals(0, result.status(), result.output());
    assertTrue(result.output().contains("-----> Using buildpack: file://" + pack), result.output());
    assertTrue(result.output().contains("custom compile ran"), result.output());
    assertTrue(slugFiles("tls-app").contains("built.txt"));
    Git.Result untrusted = git.run("push", https, "main");
    assertNotEquals(0, untrusted.status(), "without Skiff's CA the certificate is not trusted");
  }
}
