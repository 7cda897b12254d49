package skiff.platform.build;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.eclipse.jgit.api.Git;
import skiff.actors.builds.BuildFailure;
import skiff.actors.builds.Scratch;
import skiff.actors.builds.SharedFiles;
import skiff.actors.builds.SlugCompiler;
import skiff.actors.builds.SlugStore;
import skiff.platform.HostCommand;
import skiff.platform.sandbox.NodeNetwork;
import skiff.platform.sandbox.Sandbox;
import skiff.platform.stacks.StackImages;

/**
 * Heroku's slug compiler on this machine: applies {@code .slugignore}, picks a buildpack (pinned,
 * or the first built-in whose {@code bin/detect} accepts the app), runs {@code bin/compile BUILD_DIR
 * CACHE_DIR ENV_DIR} with a per-app cache, reads {@code bin/release} and the Procfile, and packs the
 * result into a gzipped tar in the slug store.
 */
public final class BuildpackSlugCompiler implements SlugCompiler {
  public record Limits(long warnBytes, long maxBytes, Duration timeout) {}

  private final List<Path> builtins;
  private final Path caches;
  private final Path scratch;
  private final SlugStore store;
  private final Limits limits;
  private final Optional<StackImages> stacks;
  private final Optional<NodeNetwork> network;
  private final SharedFiles shared;

  /**
   * With {@code stacks}, every buildpack step runs sealed on the app's stack, linked to the node's
   * {@code network} to fetch dependencies; without, on the host.
   */
  public BuildpackSlugCompiler(List<Path> builtins, Path caches, Path scratch, SlugStore store, Limits limits,
      Optional<StackImages> stacks, Optional<NodeNetwork> network) throws IOException {
    this(builtins, caches, scratch, store, limits, stacks, network, SharedFiles.NONE);
  }

  /** The same, with each app's build cache kept in {@code shared} so a build on any node starts from it. */
  public BuildpackSlugCompiler(List<Path> builtins, Path caches, Path scratch, SlugStore store, Limits limits,
      Optional<StackImages> stacks, Optional<NodeNetwork> network, SharedFiles shared) throws IOException {
    this.shared = shared;
    this.builtins = builtins;
    this.caches = Files.createDirectories(caches);
    this.scratch = Files.createDirectories(scratch);
    this.store = store;
    this.limits = limits;
    this.stacks = stacks;
    this.network = network;
  }

  private record Buildpack(Path dir, String name) {}

  /** Beside an app's cache: the checksum of the cluster's copy it was last brought up to or stored as. */
  private Path cacheMarker(String appId) {
    return caches.resolve(appId + ".cluster-copy");
  }

  /** A cache another node stored since this node last built the app replaces this node's copy. */
  private void restoreCache(String appId, Path cache) throws IOException {
    if (shared == SharedFiles.NONE) {
      return;
    }
    Path marker = cacheMarker(appId);
    String known = Files.exists(marker) ? Files.readString(marker).strip() : null;
    Path tarball = scratch.resolve("cache-" + appId + ".tgz");
    try {
      Optional<String> current = shared.get("cache:" + appId, tarball, known);
      if (current.isPresent() && !current.get().equals(known)) {
        Scratch.deleteQuietly(cache);
        Files.createDirectories(cache);
        HostCommand.run("unpacking the build cache", List.of("tar", "-xzf", tarball.toString(), "-C",
            cache.toString()));
        Files.writeString(marker, current.get() + "\n");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while unpacking the build cache", e);
    } finally {
      Files.deleteIfExists(tarball);
    }
  }

  /**
   * The cache as the build left it, for the next build on any node. Packed the same way each time
   * (names sorted, no timestamp in the gzip header), so an unchanged cache is stored once. A cache
   * that cannot be kept costs the next build elsewhere its speed, not this build its success.
   */
  private void keepCache(String appId, Path cache, Consumer<String> out) {
    if (shared == SharedFiles.NONE) {
      return;
    }
    Path tarball = scratch.resolve("cache-" + appId + "-" + System.nanoTime() + ".tgz");
    try {
      HostCommand.run("packing the build cache", List.of("tar", "--sort=name", "-I", "gzip -n", "-cf",
          tarball.toString(), "-C", cache.toString(), "."));
      Files.writeString(cacheMarker(appId), shared.put("cache:" + appId, tarball) + "\n");
    } catch (IOException e) {
      out.accept("       (the build cache could not be kept for the other nodes: " + e.getMessage() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      try {
        Files.deleteIfExists(tarball);
      } catch (IOException ignored) {
        // scratch is emptied at the next start
      }
    }
  }

  /** Where a build step runs: on a stack's root in the sandbox, or (no stacks) on the host. */
  private record Stage(String stack, Path root, long deadline) {}

  @Override
  public Result compile(Request request, Consumer<String> out) throws BuildFailure {
    long deadline = System.nanoTime() + limits.timeout().toNanos();
    Path buildDir = request.source();
    Path envDir = null;
    Path fetched = null;
    try {
      Stage stage = stage(request.stack(), deadline, out);
      out.accept("-----> Building on the " + request.stack() + " stack");
      Path ignore = buildDir.resolve(".slugignore");
      if (Files.isRegularFile(ignore)) {
        int removed = new SlugIgnore(Files.readString(ignore)).apply(buildDir);
        out.accept("-----> Removed " + removed + " paths matched by .slugignore");
      }
      Buildpack pack;
      if (request.buildpack().isPresent()) {
        fetched = fetch(request.buildpack().get(), out);
        pack = detectPinned(fetched == null ? Path.of(request.buildpack().get()) : fetched, request, buildDir, stage);
      } else {
        pack = detectBuiltin(buildDir, stage);
      }
      out.accept("-----> " + pack.name() + " app detected");

      Path cache = Files.createDirectories(caches.resolve(request.appId()));
      restoreCache(request.appId(), cache);
      envDir = Files.createTempDirectory(scratch, "env-");
      for (var entry : request.config().entrySet()) {
        Files.writeString(envDir.resolve(entry.getKey()), entry.getValue());
      }
      int status = run(List.of(pack.dir().resolve("bin/compile").toString(), buildDir.toString(), cache.toString(),
          envDir.toString()), buildDir, stage, out, List.of(
              new Sandbox.Bind(buildDir, BUILD, true), new Sandbox.Bind(cache, CACHE, true),
              new Sandbox.Bind(envDir, ENV, false), new Sandbox.Bind(pack.dir(), PACK, false),
              new Sandbox.Bind(runtimes(), RUNTIMES, true)));
      if (status != 0) {
        throw new BuildFailure("compile", "Failed to compile " + pack.name() + " app (bin/compile exited with status "
            + status + "). The lines above say why.");
      }

      out.accept("-----> Discovering process types");
      Map<String, String> defaults = releaseDefaults(pack, buildDir, stage);
      Map<String, String> declared = declaredTypes(buildDir.resolve("Procfile"), out);
      Map<String, String> types = new LinkedHashMap<>(defaults);
      types.putAll(declared);
      List<String> fromDefaults = defaults.keySet().stream().filter(t -> !declared.containsKey(t)).toList();
      if (!fromDefaults.isEmpty()) {
        out.accept("       Default types for buildpack -> " + String.join(", ", fromDefaults));
      }
      if (types.isEmpty()) {
        out.accept("       No process types: add a Procfile (e.g. 'web: ./server') to run anything");
      }

      out.accept("-----> Compressing...");
      Path archive = scratch.resolve("slug-" + System.nanoTime() + ".tgz");
      // Skiff's own step, not the app's code: it runs as the server does
      int tar = run(List.of("tar", "-czf", archive.toString(), "-C", buildDir.toString(), "."), buildDir,
          new Stage(request.stack(), null, deadline), out, List.of());
      if (tar != 0) {
        throw new BuildFailure("slug", "Compressing the slug failed (tar exited with status " + tar + ").");
      }
      long size = Files.size(archive);
      if (size > limits.maxBytes()) {
        Files.deleteIfExists(archive);
        throw new BuildFailure("slug", "Compiled slug size " + megabytes(size) + " is too large (max is "
            + megabytes(limits.maxBytes()) + "). Remove files with a .slugignore or keep build artifacts out of it.");
      }
      if (size > limits.warnBytes()) {
        out.accept("       Warning: Your slug size (" + megabytes(size) + ") exceeds the soft limit ("
            + megabytes(limits.warnBytes()) + ") which may affect boot time.");
      }
      String checksum = store.put(archive);
      out.accept("       Done: " + megabytes(size));
      keepCache(request.appId(), cache, out);
      return new Result(checksum, size, types, pack.name(), request.stack());
    } catch (IOException e) {
      throw new BuildFailure("internal", "Build failed: " + e.getMessage());
    } finally {
      Scratch.deleteQuietly(envDir);
      Scratch.deleteQuietly(fetched);
    }
  }

  private static Map<String, String> declaredTypes(Path procfile, Consumer<String> out)
      throws IOException, BuildFailure {
    if (!Files.isRegularFile(procfile)) {
      return Map.of();
    }
    try {
      Map<String, String> declared = Procfile.parse(ProcfileText.read(procfile));
      out.accept("       Procfile declares types -> " + (declared.isEmpty() ? "(none)"
          : String.join(", ", declared.keySet())));
      return declared;
    } catch (Procfile.Invalid invalid) {
      throw new BuildFailure("procfile", invalid.getMessage());
    }
  }

  static String megabytes(long bytes) {
    if (bytes < 1024 * 1024) {
      return String.format("%.0fK", Math.ceil(bytes / 1024.0));
    }
    return String.format("%.1fM", bytes / (1024.0 * 1024.0));
  }

  /**
   * The stack's root for the sandboxed steps, built first if this machine has not got it yet (the
   * push shows that it waits, and why).
   */
  private Stage stage(String stack, long deadline, Consumer<String> out) throws BuildFailure {
    if (stacks.isEmpty()) {
      return new Stage(stack, null, deadline);
    }
    StackImages images = stacks.get();
    if (images.definition(stack).isEmpty()) {
      throw new BuildFailure("stack", "This app builds on stack '" + stack + "', which this Skiff does not offer."
          + " Choose one of " + String.join(", ", images.names()) + " with skiff stack:set.");
    }
    var root = images.root(stack);
    if (!root.isDone()) {
      out.accept("-----> Preparing the " + stack + " stack (its first use on this machine: about a minute)");
    }
    try {
      return new Stage(stack, root.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS), deadline);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new BuildFailure("timeout", "Build timed out while the " + stack + " stack was being prepared.");
    } catch (java.util.concurrent.ExecutionException e) {
      throw new BuildFailure("stack", "The " + stack + " stack could not be built on this machine: "
          + e.getCause().getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BuildFailure("interrupted", "The build was interrupted.");
    }
  }

  private Buildpack detectBuiltin(Path buildDir, Stage stage) throws IOException, BuildFailure {
    var recognised = UnbuildableLanguages.recognise(buildDir);
    for (Path pack : builtins) {
      Optional<String> name = detect(pack, buildDir, stage);
      if (name.isPresent()) {
        if (recognised.isPresent() && pack.getFileName().toString().equals(PROCFILE_PACK)) {
          refuseUnbuilt(buildDir, recognised.get());
        }
        return new Buildpack(pack, name.get());
      }
    }
    if (recognised.isPresent()) {
      throw new BuildFailure("detect", "This looks like a " + recognised.get().describe() + " app, and Skiff has no"
          + " built-in " + recognised.get().language() + " buildpack. " + BRING_A_BUILDPACK);
    }
    throw new BuildFailure("detect", "No default language could be detected for this app. Add a Procfile"
        + " (e.g. 'web: ./server'), or set BUILDPACK_URL to the buildpack to use.");
  }

  private static final String PROCFILE_PACK = "procfile";
  private static final String BRING_A_BUILDPACK = "Set BUILDPACK_URL to one (a git URL, '#ref' allowed, or a"
      + " directory on the Skiff server: skiff config:set BUILDPACK_URL=...), or commit what the Procfile runs.";

  /**
   * An app in a language Skiff cannot build is only a Procfile app if what its Procfile runs is
   * already in the repository (or on the machine); otherwise it would crash-loop with status 127.
   */
  private static void refuseUnbuilt(Path buildDir, UnbuildableLanguages.Recognised recognised)
      throws IOException, BuildFailure {
    Path procfile = buildDir.resolve("Procfile");
    Map<String, String> types;
    try {
      types = Procfile.parse(ProcfileText.read(procfile));
    } catch (Procfile.Invalid invalid) {
      throw new BuildFailure("procfile", invalid.getMessage());
    }
    Optional<String> missing = UnbuildableLanguages.missingProgram(buildDir, types);
    if (missing.isPresent()) {
      throw new BuildFailure("detect", "This looks like a " + recognised.describe() + " app, and Skiff has no"
          + " built-in " + recognised.language() + " buildpack: the Procfile runs '" + missing.get() + "', which is"
          + " not in the repository, so nothing would build it. " + BRING_A_BUILDPACK);
    }
  }

  private Buildpack detectPinned(Path pack, Request request, Path buildDir, Stage stage)
      throws IOException, BuildFailure {
    if (!Files.isExecutable(pack.resolve("bin/detect")) || !Files.isExecutable(pack.resolve("bin/compile"))) {
      throw new BuildFailure("detect", "The buildpack " + request.buildpack().get()
          + " has no executable bin/detect and bin/compile.");
    }
    return new Buildpack(pack, detect(pack, buildDir, stage).orElseThrow(() -> new BuildFailure("detect",
        "App not compatible with buildpack: " + request.buildpack().get() + " (its bin/detect refused the app).")));
  }

  private Optional<String> detect(Path pack, Path buildDir, Stage stage) throws IOException, BuildFailure {
    List<String> output = new ArrayList<>();
    int status = run(List.of(pack.resolve("bin/detect").toString(), buildDir.toString()), buildDir, stage,
        output::add, List.of(new Sandbox.Bind(buildDir, BUILD, false), new Sandbox.Bind(pack, PACK, false)));
    if (status != 0) {
      return Optional.empty();
    }
    return Optional.of(output.isEmpty() || output.get(0).isBlank() ? pack.getFileName().toString()
        : output.get(0).strip());
  }

  /** A git URL (optionally #ref) is cloned into scratch; a local directory is used where it is. */
  private Path fetch(String url, Consumer<String> out) throws IOException, BuildFailure {
    if (Files.isDirectory(Path.of(url))) {
      out.accept("-----> Using buildpack: " + url);
      return copyLocal(Path.of(url));
    }
    if (!url.matches("^(https?|file|ssh|git)://.*") && !url.endsWith(".git")) {
      throw new BuildFailure("detect", "BUILDPACK_URL '" + url + "' is neither a directory on this machine nor a git"
          + " URL.");
    }
    out.accept("-----> Using buildpack: " + url);
    String ref = url.contains("#") ? url.substring(url.indexOf('#') + 1) : null;
    String repo = url.contains("#") ? url.substring(0, url.indexOf('#')) : url;
    Path dir = Files.createTempDirectory(scratch, "buildpack-");
    try (Git git = Git.cloneRepository().setURI(repo).setDirectory(dir.toFile()).setBranch(ref).call()) {
      for (Path bin : List.of(dir.resolve("bin/detect"), dir.resolve("bin/compile"), dir.resolve("bin/release"))) {
        if (Files.exists(bin)) {
          bin.toFile().setExecutable(true, false);
        }
      }
      return dir;
    } catch (Exception e) {
      Scratch.deleteQuietly(dir);
      throw new BuildFailure("detect", "Could not fetch buildpack " + url + ": " + causes(e)
          + ". Check that BUILDPACK_URL names a git repository this machine can clone (and the #ref exists).");
    }
  }

  /**
   * A buildpack the operator installed on the server, named by path. Never one inside SKIFF_HOME:
   * there are other apps' caches and checkouts, which an app could otherwise have bound into its
   * build by naming them. It is copied into scratch and the copy is what the build sees, so the
   * original's files are neither changed nor exposed beyond the buildpack itself.
   */
  private Path copyLocal(Path dir) throws IOException, BuildFailure {
    Path real = dir.toRealPath();
    if (real.startsWith(caches.toAbsolutePath().getParent().toRealPath())) {
      throw new BuildFailure("detect", "BUILDPACK_URL '" + dir + "' is inside Skiff's data directory; name a buildpack"
          + " installed elsewhere on the server, or a git URL.");
    }
    if (!Files.isRegularFile(real.resolve("bin/detect")) || !Files.isRegularFile(real.resolve("bin/compile"))) {
      throw new BuildFailure("detect", "The buildpack " + dir + " has no bin/detect and bin/compile.");
    }
    Path copy = Files.createTempDirectory(scratch, "buildpack-");
    try {
      skiff.platform.HostCommand.run("Reading the buildpack " + dir, List.of("cp", "-R", real + "/.", copy.toString()));
    } catch (IOException e) {
      Scratch.deleteQuietly(copy);
      throw new BuildFailure("detect", e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BuildFailure("interrupted", "The build was interrupted.");
    }
    return copy;
  }

  /**
   * JGit's own message is often only the last step ("Invalid remote: origin", "cannot open
   * git-upload-pack"); the reason is further down the chain (connection refused, not found, …).
   */
  static String causes(Throwable error) {
    List<String> parts = new ArrayList<>();
    for (Throwable t = error; t != null; t = t.getCause()) {
      String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage().strip();
      if (parts.stream().noneMatch(p -> p.contains(message))) {
        parts.add(message);
      }
    }
    return String.join(": ", parts);
  }

  private Map<String, String> releaseDefaults(Buildpack pack, Path buildDir, Stage stage)
      throws IOException, BuildFailure {
    Path release = pack.dir().resolve("bin/release");
    if (!Files.isExecutable(release)) {
      return Map.of();
    }
    List<String> lines = new ArrayList<>();
    int status = run(List.of(release.toString(), buildDir.toString()), buildDir, stage, lines::add,
        List.of(new Sandbox.Bind(buildDir, BUILD, false), new Sandbox.Bind(pack.dir(), PACK, false)));
    if (status != 0) {
      throw new BuildFailure("release", "bin/release of " + pack.name() + " failed with status " + status + ".");
    }
    return ReleaseYaml.defaultProcessTypes(lines);
  }

  /** Where buildpacks keep language runtimes they download, shared by every app's builds. */
  private Path runtimes() throws IOException {
    return Files.createDirectories(caches.resolve("_runtimes"));
  }

  // where a sealed build sees its directories: Heroku builds in /tmp too, and /tmp is the
  // sandbox's own tmpfs, so the mount points need no room in the read-only stack
  private static final String BUILD = "/tmp/build";
  private static final String CACHE = "/tmp/cache";
  private static final String ENV = "/tmp/env";
  private static final String PACK = "/tmp/buildpack";
  private static final String RUNTIMES = "/tmp/_runtimes";
  private static final long BUILD_TMP_BYTES = 2L << 30;

  /**
   * Runs a buildpack script with its output (stdout and stderr) line by line to {@code out}. With
   * {@code binds} and a stack it runs sealed on the stack, seeing only those directories; with
   * {@code binds} and no stack, on the host with SKIFF_HOME hidden but for them (see
   * BuildProcesses); without, as Skiff's own step.
   */
  private int run(List<String> command, Path dir, Stage stage, Consumer<String> out, List<Sandbox.Bind> binds)
      throws IOException, BuildFailure {
    long deadline = stage.deadline();
    List<String> contained;
    Path box = null;
    NodeNetwork.Link link = null;
    if (binds.isEmpty()) {
      contained = BuildProcesses.contained(command);
    } else if (stage.root() == null) {
      contained = BuildProcesses.contained(command, caches.toAbsolutePath().getParent(),
          binds.stream().map(Sandbox.Bind::host).toList());
    } else {
      box = Files.createTempDirectory(scratch, "box-");
      BuildProcesses.handOver(binds);
      link = network.isPresent() ? network.get().take(NodeNetwork.Use.BUILD, 0) : null;
      contained = BuildProcesses.contained(Sandbox.command(new Sandbox.Spec(stage.root(), box, "build", BUILD,
          Optional.empty(), binds, Optional.ofNullable(link), BUILD_TMP_BYTES, List.of(),
          BuildProcesses.inside(command, binds))));
    }
    ProcessBuilder builder = new ProcessBuilder(contained).directory(dir.toFile()).redirectErrorStream(true);
    BuildProcesses.cleanEnvironment(builder.environment(), stage.root() != null);
    builder.environment().put("STACK", stage.stack());
    builder.environment().put("SKIFF", "1");
    try {
      return waitFor(builder, deadline, out);
    } finally {
      if (link != null) {
        network.get().release(link, 0);
      }
      Scratch.deleteQuietly(box);
    }
  }

  private int waitFor(ProcessBuilder builder, long deadline, Consumer<String> out) throws IOException, BuildFailure {
    Process process = builder.start();
    process.getOutputStream().close();
    Thread pump = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) {
          out.accept(line);
        }
      } catch (IOException ignored) {
        // the process ended
      }
    }, "buildpack-output");
    pump.start();
    try {
      long left = deadline - System.nanoTime();
      if (left <= 0 || !process.waitFor(left, TimeUnit.NANOSECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        throw new BuildFailure("timeout", "Build timed out after " + limits.timeout().toMinutes()
            + " minutes (SKIFF_BUILD_TIMEOUT).");
      }
      pump.join(5000);
      return process.exitValue();
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new BuildFailure("interrupted", "The build was interrupted.");
    }
  }


}
