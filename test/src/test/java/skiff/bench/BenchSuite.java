package skiff.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Every benchmark in one run, each beside its anchor where it has one, each figure the median of
 * several rounds after a warm-up: {@code bin/skiff-bench [--quick] [--rounds N] [--readme] [PART...]}.
 * Writes {@code benchmarks/results.json}, {@code results.md} and a PNG per table (and a copy of the
 * JSON under {@code benchmarks/runs/}); with {@code --readme}, the README's figures between its
 * markers are replaced by this run's page.
 */
public final class BenchSuite {
  /** What measures a part and fills its tables. */
  interface Runner {
    void run(BenchSuite suite) throws Exception;
  }

  /** One part of the suite: {@code about} says what it measures; {@code inQuick}: whether --quick runs it (smaller). */
  record Part(String name, String about, boolean inQuick, Runner runner) {
    void run(BenchSuite suite) throws Exception {
      runner.run(suite);
    }
  }

  static final List<Part> PARTS = List.of(
      new Part("router", "router throughput and latency against nginx and the dyno directly; p2c against random",
          true, new RouterPart()),
      new Part("push", "push-to-release by app kind against a push to a plain bare repository", true, new PushPart()),
      new Part("dynos", "dyno start against the sandbox by hand; scale-up time and platform memory by dyno count",
          true, new DynoPart()),
      new Part("api", "API writes per second by clients; platform memory by apps in memory", true, new ApiPart()),
      new Part("logs", "log line delay (p50, p99) at 10,000 lines/s to a tail session and a syslog drain", true,
          new LogPart()),
      new Part("journal", "journal replay by history length against reading the same rows with plain JDBC", true,
          new JournalPart()),
      new Part("failover", "node loss (kill -9) to all its dynos up on the other nodes, three node processes",
          false, new FailoverPart()));

  final int rounds;
  final boolean quick;
  final Results results;

  private BenchSuite(int rounds, boolean quick) {
    this.rounds = rounds;
    this.quick = quick;
    this.results = new Results(rounds, quick);
  }

  Table table(String id, String title, String unit, boolean higherIsBetter, String rowLabel, boolean numericRows) {
    Table table = new Table(id, title, unit, higherIsBetter, rowLabel, numericRows);
    results.tables.add(table);
    return table;
  }

  /** {@code round} once unmeasured, then {@link #rounds} times. */
  Figure measure(Callable<Double> round) throws Exception {
    round.call();
    List<Double> values = new ArrayList<>();
    for (int i = 0; i < rounds; i++) {
      values.add(round.call());
    }
    return new Figure(values);
  }

  static void say(String line) {
    System.out.println("[bench] " + line);
    System.out.flush();
  }

  /** This JVM's live heap after a full collection, in MB. */
  static double liveHeapMb() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1e6;
  }

  /** This JVM's resident memory, in MB. */
  static double rssMb() throws java.io.IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1e3;
      }
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }

  /** A path as the caller gave it: relative to where bin/skiff-bench was run, not to the test module. */
  private static Path callers(String path) {
    return Path.of(System.getProperty("bench.cwd", ".")).resolve(path).toAbsolutePath().normalize();
  }

  public static void main(String[] args) throws Exception {
    boolean quick = false;
    boolean readme = false;
    int rounds = 5;
    Path out = Path.of(System.getProperty("bench.out", "benchmarks")).toAbsolutePath();
    List<String> names = new ArrayList<>();
    Path from = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick" -> quick = true;
        case "--readme" -> readme = true;
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--out" -> out = callers(args[++i]);
        case "--from" -> from = callers(args[++i]);
        case "--list" -> {
          PARTS.forEach(p -> System.out.printf("%-10s %s%s%n", p.name(), p.about(), p.inQuick() ? "" : " (not in --quick)"));
          return;
        }
        default -> names.add(args[i]);
      }
    }
    if (from != null) {
      // no measuring: the page, the plots and (--readme) the README's figures again from a run's JSON
      Results earlier = Results.read(from);
      earlier.write(out);
      if (readme) {
        ReadmeFigures.update(Path.of(System.getProperty("bench.readme", "../README.md")), earlier);
      }
      say("page of " + from + " written to " + out);
      return;
    }
    if (rounds < 5) {
      throw new IllegalArgumentException("--rounds must be 5 or more: a median of fewer says little");
    }
    Map<String, Part> byName = new LinkedHashMap<>();
    PARTS.forEach(p -> byName.put(p.name(), p));
    for (String name : names) {
      if (!byName.containsKey(name)) {
        throw new IllegalArgumentException("no part " + name + "; the parts are " + byName.keySet());
      }
    }
    // wrk's rounds: long enough to be steady, short enough for the whole suite in 20 minutes
    System.setProperty("bench.seconds", System.getProperty("bench.seconds", "2"));
    BenchSuite suite = new BenchSuite(rounds, quick);
    long start = System.nanoTime();
    for (Part part : PARTS) {
      boolean chosen = names.isEmpty() ? (!quick || part.inQuick()) : names.contains(part.name());
      if (!chosen) {
        continue;
      }
      long partStart = System.nanoTime();
      say(part.name() + ": " + part.about());
      try {
        part.run(suite);
      } catch (Exception | AssertionError e) {
        e.printStackTrace();
        suite.results.failures.put(part.name(), String.valueOf(e));
      }
      say(String.format("%s: %.1f s", part.name(), (System.nanoTime() - partStart) / 1e9));
    }
    suite.results.minutes = (System.nanoTime() - start) / 60e9;
    suite.results.write(out);
    Path runs = Files.createDirectories(out.resolve("runs"));
    Files.copy(out.resolve("results.json"), runs.resolve(suite.results.startedAt.toString().substring(0, 19)
        .replace(':', '-') + "-" + suite.results.machine.get("commit") + ".json"));
    if (readme) {
      ReadmeFigures.update(Path.of(System.getProperty("bench.readme", "../README.md")), suite.results);
    }
    System.out.println(suite.results.markdown(out + "/"));
    say("results in " + out + " (" + String.format("%.1f", suite.results.minutes) + " min)");
    boolean impossible = suite.results.tables.stream().flatMap(t -> t.rows.values().stream())
        .flatMap(cells -> cells.values().stream()).anyMatch(Figure::impossible);
    if (!suite.results.failures.isEmpty() || impossible) {
      say("some parts failed or gave impossible figures: see above");
      System.exit(1);
    }
    System.exit(0);
  }
}
