package skiff.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A table of figures: one row per condition (a response size and connection count, a dyno count…),
 * one column per series (Skiff and, where there is one, the anchor it is measured beside in the
 * same run). Each {@code ratio} names two series compared, shown as a column of their medians'
 * ratio (with the round-by-round ratios' median and range beside it).
 * Rows given as numbers ({@code numericRows}) are plotted as a curve, other tables as bars.
 */
final class Table {
  final String id;
  final String title;
  final String unit;
  final boolean higherIsBetter;
  final String rowLabel;
  final boolean numericRows;
  final List<String> series = new ArrayList<>();
  final Map<String, Map<String, Figure>> rows = new LinkedHashMap<>();
  /** Series compared: {@code of}'s median over {@code to}'s. */
  record Ratio(String of, String to) {
    String label() {
      return of + " / " + to;
    }
  }

  final List<Ratio> ratios = new ArrayList<>();
  String note = "";

  Table(String id, String title, String unit, boolean higherIsBetter, String rowLabel, boolean numericRows) {
    this.id = id;
    this.title = title;
    this.unit = unit;
    this.higherIsBetter = higherIsBetter;
    this.rowLabel = rowLabel;
    this.numericRows = numericRows;
  }

  /** Shows {@code of}'s median over {@code to}'s, e.g. Skiff over nginx (a column per ratio). */
  Table ratio(String of, String to) {
    ratios.add(new Ratio(of, to));
    return this;
  }

  Table note(String note) {
    this.note = note;
    return this;
  }

  void put(String row, String seriesName, Figure figure) {
    if (!series.contains(seriesName)) {
      series.add(seriesName);
    }
    rows.computeIfAbsent(row, r -> new LinkedHashMap<>()).put(seriesName, figure);
  }

  /** The ratio's value for a row, if both series were measured. */
  Double ratio(Ratio ratio, String row) {
    Map<String, Figure> cells = rows.get(row);
    if (cells == null || !cells.containsKey(ratio.of()) || !cells.containsKey(ratio.to())
        || cells.get(ratio.to()).median() == 0) {
      return null;
    }
    return cells.get(ratio.of()).median() / cells.get(ratio.to()).median();
  }

  /**
   * The ratio round by round, when both series were measured in the same rounds (each round
   * measures the series one after the other, so a round's ratio is the least touched by the
   * machine's drift between rounds); null otherwise.
   */
  Figure roundRatios(Ratio ratio, String row) {
    Map<String, Figure> cells = rows.get(row);
    if (ratio(ratio, row) == null) {
      return null;
    }
    List<Double> of = cells.get(ratio.of()).rounds();
    List<Double> to = cells.get(ratio.to()).rounds();
    if (of.size() != to.size() || of.size() < 2 || to.contains(0.0)) {
      return null;
    }
    List<Double> ratios = new ArrayList<>();
    for (int i = 0; i < of.size(); i++) {
      ratios.add(of.get(i) / to.get(i));
    }
    return new Figure(ratios);
  }
}
