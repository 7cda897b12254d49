package skiff.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** One figure of a benchmark: its value in each round, reported as the median and the spread. */
record Figure(List<Double> rounds) {
  Figure {
    if (rounds.isEmpty()) {
      throw new IllegalArgumentException("a figure needs at least one round");
    }
    rounds = List.copyOf(rounds);
  }

  private List<Double> sorted() {
    List<Double> sorted = new ArrayList<>(rounds);
    Collections.sort(sorted);
    return sorted;
  }

  /** The middle value (the mean of the two middle ones for an even count). */
  double median() {
    List<Double> s = sorted();
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  double min() {
    return sorted().get(0);
  }

  double max() {
    return sorted().get(rounds.size() - 1);
  }

  /** A figure no measurement can give: negative or not a number. */
  boolean impossible() {
    return rounds.stream().anyMatch(v -> v.isNaN() || v.isInfinite() || v < 0);
  }
}
