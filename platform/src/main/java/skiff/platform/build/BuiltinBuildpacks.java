package skiff.platform.build;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * The buildpacks that ship with Skiff (the top-level {@code buildpacks/} folder, packed into the
 * jar), unpacked under {@code SKIFF_HOME/buildpacks} at start with their scripts executable.
 * Detection tries them in {@link #ORDER}.
 */
public final class BuiltinBuildpacks {
  public static final List<String> ORDER = List.of("nodejs", "python", "java-maven", "static", "procfile");
  private static final String PREFIX = "buildpacks/";

  private BuiltinBuildpacks() {}

  public static List<Path> install(Path target) throws IOException {
    Files.createDirectories(target);
    Path source = codeSource();
    if (Files.isDirectory(source)) {
      copyTree(source.resolve("buildpacks"), target);
    } else {
      try (JarFile jar = new JarFile(source.toFile())) {
        for (JarEntry entry : java.util.Collections.list(jar.entries())) {
          if (!entry.getName().startsWith(PREFIX) || entry.isDirectory()) {
            continue;
          }
          Path out = target.resolve(entry.getName().substring(PREFIX.length())).normalize();
          if (!out.startsWith(target)) {
            continue;
          }
          Files.createDirectories(out.getParent());
          try (InputStream in = jar.getInputStream(entry)) {
            Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
          }
        }
      }
    }
    List<Path> installed = new ArrayList<>();
    for (String name : ORDER) {
      Path pack = target.resolve(name);
      if (!Files.isDirectory(pack.resolve("bin"))) {
        throw new IOException("built-in buildpack " + name + " is missing from the Skiff build");
      }
      makeScriptsExecutable(pack);
      installed.add(pack);
    }
    return installed;
  }

  static void makeScriptsExecutable(Path pack) throws IOException {
    try (var files = Files.list(pack.resolve("bin"))) {
      for (Path script : files.toList()) {
        script.toFile().setExecutable(true, false);
      }
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (var paths = Files.walk(from)) {
      for (Path p : paths.toList()) {
        Path out = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(out);
        } else {
          Files.copy(p, out, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  private static Path codeSource() {
    try {
      return Path.of(BuiltinBuildpacks.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
