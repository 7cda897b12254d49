package skiff.platform.stacks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import skiff.actors.apps.Stacks;
import skiff.actors.builds.Scratch;

/**
 * The stacks' root filesystems on this machine. Each is built by {@code mmdebstrap} from its
 * definition the first time something needs it, into {@code CACHE/NAME-DIGEST}, and reused from
 * then on by every node sharing the cache: the digest covers the definition, so a changed package
 * list builds a new image and never reuses a stale one. A build is written under a temporary name
 * and renamed when complete, under a file lock, so two nodes (or a node killed half-way) never
 * leave or use half an image. The images are only ever mounted read-only.
 */
public final class StackImages {
  private final Path cache;
  private final Map<String, StackDefinition> definitions;
  private final Consumer<String> progress;
  private final Map<String, CompletableFuture<Path>> building = new ConcurrentHashMap<>();

  public StackImages(Path cache, Map<String, StackDefinition> definitions, Consumer<String> progress) {
    this.cache = cache.toAbsolutePath();
    this.definitions = new LinkedHashMap<>(definitions);
    this.progress = progress;
  }

  /**
   * The stacks this Skiff build defines (the {@code stacks/} folder of the repository, shipped in
   * the jar): the ones {@link Stacks#offered} lists, each from its {@code NAME.stack}.
   */
  public static Map<String, StackDefinition> shipped() {
    Map<String, StackDefinition> all = new LinkedHashMap<>();
    for (String name : Stacks.offered()) {
      all.put(name, StackDefinition.parse(name, resource("stacks/" + name + ".stack")));
    }
    return all;
  }

  private static String resource(String name) {
    try (InputStream in = StackImages.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is missing from the Skiff build");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  public List<String> names() {
    return List.copyOf(definitions.keySet());
  }

  /** The stack new apps get: the first one listed. */
  public String defaultName() {
    return definitions.keySet().iterator().next();
  }

  public Optional<StackDefinition> definition(String name) {
    return Optional.ofNullable(definitions.get(name));
  }

  /** Where the stack's image is once built. */
  public Path rootOf(String name) {
    StackDefinition definition = known(name);
    return cache.resolve(definition.name() + "-" + definition.digest());
  }

  public boolean built(String name) {
    return Files.isDirectory(rootOf(name).resolve("usr"));
  }

  /** The stack's root, built first if this machine has not got it yet. */
  public CompletableFuture<Path> root(String name) {
    StackDefinition definition = known(name);
    Path root = rootOf(name);
    if (built(name)) {
      return CompletableFuture.completedFuture(root);
    }
    return building.computeIfAbsent(name, n -> {
      CompletableFuture<Path> future = new CompletableFuture<>();
      Thread builder = new Thread(() -> {
        try {
          build(definition, root);
          future.complete(root);
        } catch (Exception e) {
          future.completeExceptionally(e);
        } finally {
          building.remove(n);
        }
      }, "stack-build-" + n);
      builder.setDaemon(true);
      builder.start();
      return future;
    });
  }

  private StackDefinition known(String name) {
    StackDefinition definition = definitions.get(name);
    if (definition == null) {
      throw new IllegalArgumentException("no stack named '" + name + "' (this Skiff has " + String.join(", ",
          definitions.keySet()) + ")");
    }
    return definition;
  }

  private void build(StackDefinition definition, Path root) throws IOException, InterruptedException {
    Files.createDirectories(cache);
    try (FileChannel lockFile = FileChannel.open(cache.resolve(root.getFileName() + ".lock"),
        StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock ignored = lockFile.lock()) {
      if (Files.isDirectory(root.resolve("usr"))) {
        return; // another node built it while this one waited for the lock
      }
      Path partial = cache.resolve(root.getFileName() + ".partial");
      Scratch.deleteQuietly(partial);
      progress.accept("building stack " + definition.name() + " (" + definition.suite() + ", "
          + definition.packages().size() + " packages) with mmdebstrap; this happens once per machine");
      long started = System.nanoTime();
      List<String> command = new ArrayList<>(List.of("mmdebstrap", "--mode=root", "--format=directory",
          "--variant=" + definition.variant()));
      if (!definition.packages().isEmpty()) {
        command.add("--include=" + String.join(",", definition.packages()));
      }
      // what every sandbox mounts over or into: /app for the slug, a hosts file for localhost
      command.add("--customize-hook=mkdir -p \"$1/app\" && printf '127.0.0.1 localhost\\n::1 localhost\\n' > \"$1/etc/hosts\"");
      command.addAll(List.of(definition.suite(), partial.toString()));
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      process.getOutputStream().close();
      List<String> tail = new ArrayList<>();
      try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8))) {
        for (String line; (line = out.readLine()) != null; ) {
          if (line.startsWith("I: ") && !line.contains("customize-hook")) {
            progress.accept("stack " + definition.name() + ": " + line.substring(3));
          }
          tail.add(line);
          if (tail.size() > 20) {
            tail.remove(0);
          }
        }
      }
      int status = process.waitFor();
      if (status != 0) {
        Scratch.deleteQuietly(partial);
        throw new IOException("building stack " + definition.name() + " failed (mmdebstrap exited with " + status
            + "): " + String.join(" | ", tail));
      }
      Files.move(partial, root);
      progress.accept(String.format("stack %s ready in %.0f s (%s)", definition.name(),
          (System.nanoTime() - started) / 1e9, root));
    }
  }
}
