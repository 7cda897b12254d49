package skiff.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.YIntervalRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

/**
 * One run of the suite: the machine, the commit, the date, and every table; written as
 * {@code results.json} (everything, each round's value included), {@code results.md} (the tables,
 * medians with their spread, ratios to the anchors, the plots) and one PNG per table.
 */
final class Results {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final Color[] COLOURS = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
      new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b)};

  final Map<String, String> machine = new LinkedHashMap<>();
  final List<Table> tables = new ArrayList<>();
  final Map<String, String> failures = new LinkedHashMap<>();
  final Instant startedAt;
  final int rounds;
  final boolean quick;
  double minutes;

  Results(int rounds, boolean quick) {
    this(rounds, quick, Instant.now());
    machine.put("cores", String.valueOf(Runtime.getRuntime().availableProcessors()));
    machine.put("memory", memory());
    machine.put("kernel", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    machine.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    machine.put("cpu", cpu());
    machine.put("commit", command("git", "rev-parse", "--short=12", "HEAD"));
    machine.put("dirty", String.valueOf(!command("git", "status", "--porcelain", "--untracked-files=no").isBlank()));
  }

  private Results(int rounds, boolean quick, Instant startedAt) {
    this.rounds = rounds;
    this.quick = quick;
    this.startedAt = startedAt;
  }

  /** A run as its {@code results.json} has it, to write its page (and the README's figures) again. */
  static Results read(Path file) throws IOException {
    var root = JSON.readTree(file.toFile());
    Results results = new Results(root.path("rounds").asInt(), root.path("quick").asBoolean(),
        Instant.parse(root.path("date").asText()));
    results.minutes = root.path("minutes").asDouble();
    root.path("machine").fields().forEachRemaining(e -> results.machine.put(e.getKey(), e.getValue().asText()));
    root.path("failures").fields().forEachRemaining(e -> results.failures.put(e.getKey(), e.getValue().asText()));
    for (var t : root.path("tables")) {
      boolean numeric = true;
      for (var row : t.path("rows")) {
        numeric &= row.path("row").asText().matches("-?[0-9.]+");
      }
      Table table = new Table(t.path("id").asText(), t.path("title").asText(), t.path("unit").asText(),
          t.path("higher_is_better").asBoolean(), t.path("rows_are").asText(), numeric).note(t.path("note").asText());
      if (t.has("ratio")) {
        // a run written when a table had one ratio at most
        table.ratio(t.path("ratio").path("of").asText(), t.path("ratio").path("to").asText());
      }
      for (var ratio : t.path("ratios")) {
        table.ratio(ratio.path("of").asText(), ratio.path("to").asText());
      }
      for (var row : t.path("rows")) {
        row.path("series").fields().forEachRemaining(e -> {
          List<Double> values = new ArrayList<>();
          e.getValue().path("rounds").forEach(v -> values.add(v.asDouble()));
          table.put(row.path("row").asText(), e.getKey(), new Figure(values));
        });
      }
      results.tables.add(table);
    }
    return results;
  }

  /** What a reader needs to compare runs, in one line. */
  String machineLine() {
    return String.format("%s cores (%s), %s memory, %s, %s; commit %s%s; %s; %s", machine.get("cores"),
        machine.get("cpu"), machine.get("memory"), machine.get("kernel"), machine.get("jdk"), machine.get("commit"),
        machine.get("dirty").equals("true") ? " with uncommitted changes" : "", startedAt.toString().substring(0, 16)
            .replace('T', ' ') + " UTC", quick ? "--quick" : "full run");
  }

  void write(Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("results.json"), JSON.writeValueAsString(json()));
    for (Table table : tables) {
      plot(table, dir.resolve(table.id + ".png"));
    }
    Files.writeString(dir.resolve("results.md"), markdown(""));
  }

  private ObjectNode json() {
    ObjectNode root = JSON.createObjectNode();
    root.set("machine", JSON.valueToTree(machine));
    root.put("date", startedAt.toString());
    root.put("rounds", rounds);
    root.put("quick", quick);
    root.put("minutes", Math.round(minutes * 10) / 10.0);
    root.set("failures", JSON.valueToTree(failures));
    ArrayNode list = root.putArray("tables");
    for (Table t : tables) {
      ObjectNode n = list.addObject();
      n.put("id", t.id).put("title", t.title).put("unit", t.unit).put("higher_is_better", t.higherIsBetter)
          .put("rows_are", t.rowLabel).put("note", t.note);
      ArrayNode ratios = n.putArray("ratios");
      t.ratios.forEach(ratio -> ratios.addObject().put("of", ratio.of()).put("to", ratio.to()));
      ArrayNode rows = n.putArray("rows");
      t.rows.forEach((row, cells) -> {
        ObjectNode r = rows.addObject().put("row", row);
        ObjectNode series = r.putObject("series");
        cells.forEach((name, f) -> {
          ObjectNode cell = series.putObject(name).put("median", f.median()).put("min", f.min()).put("max", f.max());
          f.rounds().forEach(cell.putArray("rounds")::add);
        });
        ObjectNode values = r.putObject("ratios");
        for (Table.Ratio ratio : t.ratios) {
          Double value = t.ratio(ratio, row);
          if (value != null) {
            values.put(ratio.label(), value);
          }
        }
      });
    }
    return root;
  }

  /** The results page; {@code plots} is the path from the page to the PNGs ("" beside it). */
  String markdown(String plots) {
    StringBuilder md = new StringBuilder();
    md.append("Machine: ").append(machineLine()).append(". Each figure is the median of ").append(rounds)
        .append(" rounds, with the lowest and highest in brackets; a ratio is of two medians, followed by the"
            + " median and range of the same ratio taken round by round; the whole run took ")
        .append(String.format(Locale.ROOT, "%.1f", minutes)).append(" min.\n\n");
    for (var failure : failures.entrySet()) {
      md.append("**").append(failure.getKey()).append(" failed:** ").append(failure.getValue()).append("\n\n");
    }
    for (Table t : tables) {
      md.append("#### ").append(t.title).append(" (").append(t.unit).append(", ")
          .append(t.higherIsBetter ? "higher" : "lower").append(" is better)\n\n");
      md.append("| ").append(t.rowLabel);
      t.series.forEach(s -> md.append(" | ").append(s));
      t.ratios.forEach(ratio -> md.append(" | ").append(ratio.label()));
      md.append(" |\n|---");
      t.series.forEach(s -> md.append("|---"));
      t.ratios.forEach(ratio -> md.append("|---"));
      md.append("|\n");
      t.rows.forEach((row, cells) -> {
        md.append("| ").append(row);
        for (String s : t.series) {
          Figure f = cells.get(s);
          md.append(" | ").append(f == null ? "" : (f.impossible() ? "**impossible:** " : "") + number(f.median())
              + " (" + number(f.min()) + "–" + number(f.max()) + ")");
        }
        for (Table.Ratio r : t.ratios) {
          Double ratio = t.ratio(r, row);
          Figure byRound = t.roundRatios(r, row);
          md.append(" | ").append(ratio == null ? "" : String.format(Locale.ROOT, "**%.2f×**", ratio));
          if (byRound != null) {
            md.append(String.format(Locale.ROOT, " (by round %.2f×, %.2f–%.2f)", byRound.median(), byRound.min(),
                byRound.max()));
          }
        }
        md.append(" |\n");
      });
      if (!t.note.isEmpty()) {
        md.append("\n").append(t.note).append("\n");
      }
      md.append("\n![").append(t.title).append("](").append(plots).append(t.id).append(".png)\n\n");
    }
    return md.toString();
  }

  static String number(double v) {
    double a = Math.abs(v);
    if (a >= 1000) {
      return String.format(Locale.ROOT, "%,.0f", v);
    }
    if (a >= 100) {
      return String.format(Locale.ROOT, "%.0f", v);
    }
    if (a >= 10) {
      return String.format(Locale.ROOT, "%.1f", v);
    }
    return String.format(Locale.ROOT, "%.2f", v);
  }

  /** Medians with their spread as error bars: a curve for numeric rows, grouped bars otherwise. */
  private static void plot(Table t, Path file) throws IOException {
    String axis = t.unit + (t.higherIsBetter ? " (higher is better)" : " (lower is better)");
    JFreeChart chart;
    if (t.numericRows) {
      // the same values twice: one set drawn as lines, the other as the spread's bars (a plot
      // finds a dataset's renderer by the dataset, so one object cannot have both)
      YIntervalSeriesCollection data = intervals(t);
      YIntervalSeriesCollection spread = intervals(t);
      chart = ChartFactory.createXYLineChart(t.title, t.rowLabel, axis, data, PlotOrientation.VERTICAL, true, false,
          false);
      XYPlot plot = chart.getXYPlot();
      XYLineAndShapeRenderer lines = new XYLineAndShapeRenderer(true, true);
      YIntervalRenderer bars = new YIntervalRenderer();
      for (int i = 0; i < t.series.size(); i++) {
        lines.setSeriesPaint(i, COLOURS[i % COLOURS.length]);
        lines.setSeriesStroke(i, new BasicStroke(2f));
        bars.setSeriesPaint(i, COLOURS[i % COLOURS.length]);
        bars.setSeriesVisibleInLegend(i, false); // the spread's bars: the lines' legend names them
      }
      plot.setDataset(1, spread);
      plot.setRenderer(0, lines);
      plot.setRenderer(1, bars);
      // sizes that span orders of magnitude (10,000 to 1,000,000 events) on a log scale
      double lowest = t.rows.keySet().stream().mapToDouble(Double::parseDouble).min().orElse(1);
      double highest = t.rows.keySet().stream().mapToDouble(Double::parseDouble).max().orElse(1);
      if (lowest > 0 && highest / lowest >= 50) {
        plot.setDomainAxis(logAxis(t.rowLabel, lowest));
        double low = t.rows.values().stream().flatMap(c -> c.values().stream()).mapToDouble(Figure::min).min()
            .orElse(1);
        if (low > 0) {
          plot.setRangeAxis(logAxis(axis, low));
        }
      }
      plot.setBackgroundPaint(Color.WHITE);
      plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    } else {
      DefaultCategoryDataset data = new DefaultCategoryDataset();
      t.rows.forEach((row, cells) -> cells.forEach((s, f) -> data.addValue(f.median(), s, row)));
      chart = ChartFactory.createBarChart(t.title, t.rowLabel, axis, data, PlotOrientation.VERTICAL, true, false, false);
      CategoryPlot plot = chart.getCategoryPlot();
      plot.getDomainAxis().setMaximumCategoryLabelLines(3); // "chunked 16 × 4 KB, -c128" whole
      double low = t.rows.values().stream().flatMap(c -> c.values().stream()).mapToDouble(Figure::median).min()
          .orElse(1);
      double high = t.rows.values().stream().flatMap(c -> c.values().stream()).mapToDouble(Figure::median).max()
          .orElse(1);
      if (low > 0 && high / low >= 50) {
        plot.setRangeAxis(logAxis(axis, low));
      }
      BarRenderer renderer = (BarRenderer) plot.getRenderer();
      renderer.setBarPainter(new StandardBarPainter());
      renderer.setShadowVisible(false);
      for (int i = 0; i < t.series.size(); i++) {
        renderer.setSeriesPaint(i, COLOURS[i % COLOURS.length]);
      }
      plot.setBackgroundPaint(Color.WHITE);
      plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    }
    chart.setBackgroundPaint(Color.WHITE);
    ChartUtils.saveChartAsPNG(file.toFile(), chart, 900, 480);
  }

  private static YIntervalSeriesCollection intervals(Table t) {
    YIntervalSeriesCollection data = new YIntervalSeriesCollection();
    for (String s : t.series) {
      YIntervalSeries series = new YIntervalSeries(s);
      t.rows.forEach((row, cells) -> {
        Figure f = cells.get(s);
        if (f != null) {
          series.add(Double.parseDouble(row), f.median(), f.min(), f.max());
        }
      });
      data.addSeries(series);
    }
    return data;
  }

  /** Powers of ten, labelled as plain numbers (10,000 rather than 10^4.0). */
  private static org.jfree.chart.axis.LogAxis logAxis(String label, double lowest) {
    org.jfree.chart.axis.LogAxis axis = new org.jfree.chart.axis.LogAxis(label);
    axis.setBase(10);
    axis.setSmallestValue(lowest / 2);
    axis.setTickUnit(new org.jfree.chart.axis.NumberTickUnit(1));
    axis.setNumberFormatOverride(new java.text.DecimalFormat("#,##0.##"));
    return axis;
  }

  private static String memory() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return Math.round(os.getTotalMemorySize() / 1e9) + " GB";
    }
    return "?";
  }

  private static String cpu() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("?");
    } catch (IOException e) {
      return "?";
    }
  }

  private static String command(String... args) {
    try {
      Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      return p.waitFor() == 0 ? out : "?";
    } catch (IOException | InterruptedException e) {
      return "?";
    }
  }
}
