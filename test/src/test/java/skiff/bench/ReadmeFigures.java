package skiff.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The README's measured figures are the latest results page, between two markers. */
final class ReadmeFigures {
  static final String BEGIN = "<!-- bench-results:begin (bin/skiff-bench --readme writes this part) -->";
  static final String END = "<!-- bench-results:end -->";

  private ReadmeFigures() {}

  static void update(Path readme, Results results) throws IOException {
    String text = Files.readString(readme);
    int begin = text.indexOf(BEGIN);
    int end = text.indexOf(END);
    if (begin < 0 || end < begin) {
      throw new IllegalStateException(readme + " has no " + BEGIN + " ... " + END + " block for the figures");
    }
    String page = results.markdown("benchmarks/");
    Files.writeString(readme, text.substring(0, begin + BEGIN.length()) + "\n\n" + page + text.substring(end));
  }
}
