package skiff.platform.build;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Languages Skiff recognises but has no built-in buildpack for (Go, Ruby, PHP, Rust, Elixir,
 * .NET, …), by the files Heroku's own buildpacks detect them by. Such an app must not "deploy" as
 * a Procfile app whose commands were never built: it would crash-loop with status 127. It is
 * refused, naming the language and how to bring a buildpack, unless everything its Procfile runs
 * is already there.
 */
final class UnbuildableLanguages {
  /** Marker file (or a suffix, as {@code *.csproj}) → the language it means, in the order checked. */
  private static final Map<String, String> MARKERS = new LinkedHashMap<>();

  static {
    MARKERS.put("go.mod", "Go");
    MARKERS.put("Gopkg.lock", "Go");
    MARKERS.put("*.go", "Go");
    MARKERS.put("Gemfile", "Ruby");
    MARKERS.put("composer.json", "PHP");
    MARKERS.put("index.php", "PHP");
    MARKERS.put("Cargo.toml", "Rust");
    MARKERS.put("mix.exs", "Elixir");
    MARKERS.put("*.csproj", ".NET");
    MARKERS.put("*.fsproj", ".NET");
    MARKERS.put("*.sln", ".NET");
    MARKERS.put("build.gradle", "Java with Gradle");
    MARKERS.put("build.gradle.kts", "Java with Gradle");
    MARKERS.put("build.sbt", "Scala");
    MARKERS.put("project.clj", "Clojure");
    MARKERS.put("deno.json", "Deno");
    MARKERS.put("Package.swift", "Swift");
    MARKERS.put("stack.yaml", "Haskell");
  }

  /** A shell word that only sets a variable ({@code PORT=1 ./server}). */
  private static final Pattern ASSIGNMENT = Pattern.compile("^[A-Za-z_][A-Za-z0-9_]*=.*");

  private UnbuildableLanguages() {}

  /** What was recognised: the language and the file that gave it away. */
  record Recognised(String language, String file) {
    String describe() {
      return language + " (" + file + ")";
    }
  }

  static Optional<Recognised> recognise(Path app) throws IOException {
    for (var marker : MARKERS.entrySet()) {
      String name = marker.getKey();
      if (name.startsWith("*")) {
        try (var files = Files.list(app)) {
          Optional<Path> match = files.filter(f -> f.getFileName().toString().endsWith(name.substring(1))).findFirst();
          if (match.isPresent()) {
            return Optional.of(new Recognised(marker.getValue(), match.get().getFileName().toString()));
          }
        }
      } else if (Files.exists(app.resolve(name))) {
        return Optional.of(new Recognised(marker.getValue(), name));
      }
    }
    return Optional.empty();
  }

  /**
   * The first Procfile command whose program is neither in the app nor on the machine's PATH, or
   * empty when each one can run as the repository stands.
   */
  static Optional<String> missingProgram(Path app, Map<String, String> processTypes) {
    for (String command : processTypes.values()) {
      String program = program(command);
      if (program != null && !runnable(app, program)) {
        return Optional.of(program);
      }
    }
    return Optional.empty();
  }

  /** The command's first word after variable assignments and {@code exec}; null for an empty command. */
  static String program(String command) {
    for (String word : command.trim().split("\\s+")) {
      if (word.isEmpty() || ASSIGNMENT.matcher(word).matches() || word.equals("exec")) {
        continue;
      }
      return word;
    }
    return null;
  }

  private static boolean runnable(Path app, String program) {
    if (program.startsWith("$") || program.contains("`")) {
      return true; // decided when the dyno starts; nothing to check here
    }
    if (program.contains("/")) {
      String relative = program.startsWith("/app/") ? program.substring(5) : program;
      Path inApp = app.resolve(relative).normalize();
      return inApp.startsWith(app) ? Files.exists(inApp) : Files.isExecutable(Path.of(program));
    }
    if (Files.exists(app.resolve(program)) || Files.exists(app.resolve("bin").resolve(program))) {
      return true;
    }
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return List.of("cd", "echo", "test", "[", "true", "false", "sleep").contains(program);
  }
}
