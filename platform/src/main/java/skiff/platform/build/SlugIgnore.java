package skiff.platform.build;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import skiff.actors.builds.Scratch;

/**
 * Applies a {@code .slugignore}: gitignore-like patterns (no negation), one per line, removed from
 * the source before the buildpack runs. A pattern with a slash matches from the app's root; one
 * without matches a file or directory name anywhere.
 */
public final class SlugIgnore {
  private record Rule(Pattern pattern, boolean anchored, boolean directoriesOnly) {}

  private final List<Rule> rules = new ArrayList<>();

  public SlugIgnore(String text) {
    for (String raw : text.split("\r?\n")) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      boolean dirOnly = line.endsWith("/");
      if (dirOnly) {
        line = line.substring(0, line.length() - 1);
      }
      boolean anchored = line.contains("/");
      if (line.startsWith("/")) {
        line = line.substring(1);
      }
      rules.add(new Rule(Pattern.compile(globToRegex(line)), anchored, dirOnly));
    }
  }

  static String globToRegex(String glob) {
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      if (c == '*' && i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
        re.append(".*");
        i++;
        if (i + 1 < glob.length() && glob.charAt(i + 1) == '/') {
          i++;
          re.append("/?");
        }
      } else if (c == '*') {
        re.append("[^/]*");
      } else if (c == '?') {
        re.append("[^/]");
      } else {
        re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return re.toString();
  }

  boolean ignores(String relativePath, boolean directory) {
    String name = relativePath.substring(relativePath.lastIndexOf('/') + 1);
    for (Rule rule : rules) {
      if (rule.directoriesOnly() && !directory) {
        continue;
      }
      String subject = rule.anchored() ? relativePath : name;
      if (rule.pattern().matcher(subject).matches()) {
        return true;
      }
    }
    return false;
  }

  /** Deletes what the rules match under {@code root}; returns how many files and directories went. */
  public int apply(Path root) throws IOException {
    if (rules.isEmpty()) {
      return 0;
    }
    int[] removed = {0};
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
        if (!dir.equals(root) && ignores(root.relativize(dir).toString().replace('\\', '/'), true)) {
          Scratch.delete(dir);
          removed[0]++;
          return FileVisitResult.SKIP_SUBTREE;
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        if (ignores(root.relativize(file).toString().replace('\\', '/'), false)) {
          Files.delete(file);
          removed[0]++;
        }
        return FileVisitResult.CONTINUE;
      }
    });
    return removed[0];
  }


}
