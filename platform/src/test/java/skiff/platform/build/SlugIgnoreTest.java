package skiff.platform.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class SlugIgnoreTest {
  @Test
  void removesWhatThePatternsMatchAndKeepsTheRest() throws Exception {
    Path root = Files.createTempDirectory("slugignore");
    for (String file : List.of("app.py", "docs/a.md", "src/test/T.java", "src/main/M.java", "x.log", "deep/y.log",
        "spec/s.rb", "keep/spec.txt")) {
      Files.createDirectories(root.resolve(file).getParent());
      Files.writeString(root.resolve(file), "x");
    }
    SlugIgnore ignore = new SlugIgnore("# comment\n*.log\n/docs\nsrc/test/\nspec/\n");
    assertEquals(5, ignore.apply(root));
    assertTrue(Files.exists(root.resolve("app.py")));
    assertTrue(Files.exists(root.resolve("src/main/M.java")));
    assertTrue(Files.exists(root.resolve("keep/spec.txt")), "spec/ only matches directories");
    assertFalse(Files.exists(root.resolve("docs")));
    assertFalse(Files.exists(root.resolve("deep/y.log")));
    assertFalse(Files.exists(root.resolve("src/test")));
  }
}
