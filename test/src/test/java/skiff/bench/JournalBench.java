package skiff.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.SpawnProtocol;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.typed.PersistenceId;
import skiff.actors.Cause;
import skiff.actors.apps.AppDirectory;
import skiff.actors.apps.AppEntity;
import skiff.actors.apps.AppObserver;
import skiff.actors.apps.DynoScheduler;
import skiff.actors.apps.ReleaseRecord;
import skiff.persistence.JournalDatabase;
import skiff.persistence.JournalSchema;
import skiff.platform.node.MasterKey;
import skiff.platform.node.NodeConfig;
import skiff.platform.node.Settings;
import skiff.platform.node.SkiffNode;
import skiff.test.TestNode;

/**
 * The journal's read side at scale: how long an app with 100,000 events takes to recover, with and
 * without snapshots, and how fast events:export streams them. The histories are config changes,
 * each a ConfigVarsChanged and the ReleaseIssued it causes, as the API writes them. Not a test; run
 * with {@code mvn -Pbench -pl test -am verify} (or this class's main).
 */
public final class JournalBench {
  private static final Duration ASK = Duration.ofMinutes(5);
  private static final int BATCH = 1000;
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  public static void main(String[] args) throws Exception {
    int total = Integer.getInteger("bench.events", 100_000);
    Path home = Files.createTempDirectory("skiff-journal-bench");
    Files.createDirectories(home.resolve("journal"));
    Settings settings = Settings.load(TestNode.env(home));
    String plain = UUID.randomUUID().toString();
    String snapped = UUID.randomUUID().toString();
    System.out.println("== Skiff journal benchmark: apps with " + total + " events ==");

    ActorSystem<SpawnProtocol.Command> system = journalSystem(settings);
    try {
      long start = System.nanoTime();
      fill(system, plain, "replay-plain", total, false);
      fill(system, snapped, "replay-snapshots", total, true);
      claimNames(system, Map.of("replay-plain", plain, "replay-snapshots", snapped));
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf("writing %d events (2 apps, batches of %d): %.1f s = %.0f events/s%n", 2 * total, BATCH,
          seconds, 2 * total / seconds);
      measure("replay of every event, no snapshot", 5, () -> replayAll(system, plain));
      measure("recovery from a snapshot", 5, () -> recover(system, snapped));
      // the entity itself snapshots after a long replay, so only its first restart pays for the history
      measure("entity restart, no snapshot yet", 1, () -> recover(system, plain));
      measure("its next restart", 5, () -> recover(system, plain));
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get();
    }

    try (SkiffNode node = TestNode.start(home)) {
      String base = "http://127.0.0.1:" + node.apiPort();
      for (int round = 0; round < 3; round++) {
        long start = System.nanoTime();
        long lines = lines(base + "/apps/replay-plain/events/export");
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("events:export over HTTP, round %d: %d events in %.2f s = %.0f events/s%n", round + 1,
            lines, seconds, lines / seconds);
      }
      long start = System.nanoTime();
      HttpResponse<String> state = HTTP.send(get(base + "/apps/replay-plain/state"), HttpResponse.BodyHandlers.ofString());
      System.out.printf("GET /apps/APP/state (replays all %d events through the query side): %.2f s (HTTP %d)%n",
          total, (System.nanoTime() - start) / 1e9, state.statusCode());
      writesUnderReads(base);
    }
  }

  /** An actor system on the home's journal (schema in place) with nothing else running: for writing histories. */
  static ActorSystem<SpawnProtocol.Command> journalSystem(Settings settings) throws Exception {
    JournalDatabase journal = NodeConfig.journal(settings);
    String masterKey = MasterKey.resolve(settings.home(), settings.secretKey());
    ActorSystem<SpawnProtocol.Command> system = ActorSystem.create(SpawnProtocol.create(), NodeConfig.SYSTEM_NAME,
        ConfigFactory.parseMap(Map.of("pekko.remote.artery.canonical.port", 0))
            .withFallback(NodeConfig.pekko(settings, journal, masterKey)));
    JournalSchema.migrate(journal);
    return system;
  }

  /** Writes an app with {@code total} events of history into the home's journal, before a node starts on it. */
  static void prefill(Path home, String appId, String name, int total) throws Exception {
    Files.createDirectories(home.resolve("journal"));
    ActorSystem<SpawnProtocol.Command> system = journalSystem(Settings.load(TestNode.env(home)));
    try {
      fill(system, appId, name, total, true);
      claimNames(system, Map.of(name, appId));
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get();
    }
  }

  /** The app's history: created, then config changes each releasing, as the entity writes them. */
  static void fill(ActorSystem<SpawnProtocol.Command> system, String appId, String name, int total,
      boolean snapshots) throws Exception {
    var apply = AppEntity.eventApplier(appId);
    ActorRef<JournalFiller.Command> filler = spawn(system, new JournalFiller<AppEntity.Event, AppEntity.State>(
        PersistenceId.of(AppEntity.TYPE_KEY.name(), appId), new AppEntity.NoApp(), apply,
        Set.of(AppEntity.tag(appId), "app"), snapshots));
    Instant at = Instant.now().minus(Duration.ofDays(365));
    Cause created = new Cause("bench@skiff.local", at, UUID.randomUUID().toString());
    List<AppEntity.Event> batch = new ArrayList<>();
    batch.add(new AppEntity.AppCreated(appId, name, "bench@skiff.local", "local", "cedar", created));
    batch.add(new AppEntity.ReleaseIssued(new ReleaseRecord(appId, ReleaseRecord.idFor(appId, 1), 1,
        "Initial release", null, Map.of(), Map.of(), ReleaseRecord.SUCCEEDED, created), created));
    Map<String, String> config = new TreeMap<>();
    int version = 1;
    for (int written = 2; written < total; written += 2) {
      at = at.plusSeconds(60);
      Cause cause = new Cause("bench@skiff.local", at, UUID.randomUUID().toString());
      String key = "KEY_" + (version % 20);
      config.put(key, "value-" + version);
      version++;
      batch.add(new AppEntity.ConfigVarsChanged(appId, Map.of(key, "value-" + version), List.of(), cause));
      batch.add(new AppEntity.ReleaseIssued(new ReleaseRecord(appId, ReleaseRecord.idFor(appId, version), version,
          "Set " + key + " config vars", null, config, Map.of(), ReleaseRecord.SUCCEEDED, cause), cause));
      if (batch.size() >= BATCH || written + 2 >= total) {
        List<AppEntity.Event> events = List.copyOf(batch);
        batch.clear();
        AskPattern.<JournalFiller.Command, Done>ask(filler, reply -> new JournalFiller.Append(events, reply), ASK,
            system.scheduler()).toCompletableFuture().get();
      }
    }
    AskPattern.<JournalFiller.Command, Done>ask(filler, JournalFiller.Stop::new, ASK, system.scheduler())
        .toCompletableFuture().get();
  }

  /** The directory's claims, so the server started on this journal knows the apps by name. */
  private static void claimNames(ActorSystem<SpawnProtocol.Command> system, Map<String, String> names)
      throws Exception {
    ActorRef<JournalFiller.Command> filler = spawn(system, new JournalFiller<AppDirectory.Event, Integer>(
        PersistenceId.of(AppDirectory.TYPE_KEY.name(), AppDirectory.ENTITY_ID), 0, (n, e) -> n + 1,
        Set.of("directory"), false));
    Cause cause = Cause.platform(Instant.now());
    List<AppDirectory.Event> claims = names.entrySet().stream()
        .map(e -> (AppDirectory.Event) new AppDirectory.NameClaimed(e.getKey(), e.getValue(), cause)).toList();
    AskPattern.<JournalFiller.Command, Done>ask(filler, reply -> new JournalFiller.Append(claims, reply), ASK,
        system.scheduler()).toCompletableFuture().get();
    AskPattern.<JournalFiller.Command, Done>ask(filler, JournalFiller.Stop::new, ASK, system.scheduler())
        .toCompletableFuture().get();
  }

  static void measure(String label, int rounds, java.util.concurrent.Callable<Double> round) throws Exception {
    List<Double> millis = new ArrayList<>();
    for (int i = 0; i < rounds; i++) {
      millis.add(round.call());
    }
    List<Double> sorted = new ArrayList<>(millis);
    Collections.sort(sorted);
    System.out.printf("%-38s median %6.0f ms  (each: %s)%n", label, sorted.get(sorted.size() / 2),
        millis.stream().map(m -> String.format("%.0f", m)).toList());
  }

  /** Milliseconds to read the app's whole journal through its event handler, with no snapshot to start from. */
  static double replayAll(ActorSystem<SpawnProtocol.Command> system, String appId) throws Exception {
    long start = System.nanoTime();
    ActorRef<JournalFiller.Command> replayer = spawn(system, new JournalFiller<AppEntity.Event, AppEntity.State>(
        PersistenceId.of(AppEntity.TYPE_KEY.name(), appId), new AppEntity.NoApp(), AppEntity.eventApplier(appId),
        Set.of(), false));
    AskPattern.<JournalFiller.Command, Done>ask(replayer, JournalFiller.Replayed::new, ASK, system.scheduler())
        .toCompletableFuture().get();
    return (System.nanoTime() - start) / 1e6;
  }

  /** Milliseconds from starting the app's real entity to its first answer: what a restart costs the app. */
  private static double recover(ActorSystem<SpawnProtocol.Command> system, String appId) throws Exception {
    long start = System.nanoTime();
    ActorRef<ActorRef<AppEntity.Reply>> app = spawn(system, recovering(appId));
    AppEntity.Reply reply = AskPattern.<ActorRef<AppEntity.Reply>, AppEntity.Reply>ask(app, r -> r, ASK,
        system.scheduler()).toCompletableFuture().get();
    double millis = (System.nanoTime() - start) / 1e6;
    if (!(reply instanceof AppEntity.Accepted accepted) || accepted.app().config().size() != 20) {
      throw new IllegalStateException("the app did not recover: " + reply);
    }
    return millis;
  }

  private record Answered(ActorRef<AppEntity.Reply> caller, AppEntity.Reply reply) {}

  /** Starts the app's entity, asks it once, hands on the answer and stops (the entity with it). */
  @SuppressWarnings("unchecked")
  private static Behavior<ActorRef<AppEntity.Reply>> recovering(String appId) {
    return Behaviors.<Object>setup(ctx -> {
      ActorRef<AppEntity.Command> app = ctx.spawn(AppEntity.create(appId,
          release -> CompletableFuture.completedStage(Done.getInstance()), DynoScheduler.NONE, AppObserver.NONE,
          Instant::now), "app");
      return Behaviors.receive(Object.class)
          .onMessage(ActorRef.class, caller -> {
            ctx.ask(AppEntity.Reply.class, app, ASK, AppEntity.Get::new,
                (reply, error) -> new Answered((ActorRef<AppEntity.Reply>) caller, reply));
            return Behaviors.same();
          })
          .onMessage(Answered.class, a -> {
            a.caller().tell(a.reply());
            return Behaviors.stopped();
          })
          .build();
    }).narrow();
  }

  private static <T> ActorRef<T> spawn(ActorSystem<SpawnProtocol.Command> system, Behavior<T> behavior)
      throws Exception {
    CompletionStage<ActorRef<T>> spawned = AskPattern.ask(system,
        reply -> new SpawnProtocol.Spawn<>(behavior, "bench-" + UUID.randomUUID(), Props.empty(), reply), ASK,
        system.scheduler());
    return spawned.toCompletableFuture().get();
  }

  private static long lines(String url) throws Exception {
    HttpResponse<Stream<String>> response = HTTP.send(get(url), HttpResponse.BodyHandlers.ofLines());
    try (Stream<String> lines = response.body()) {
      return lines.filter(l -> !l.isBlank()).count();
    }
  }

  /** Config changes per second on another app, alone and while exports of the big app run. */
  private static void writesUnderReads(String base) throws Exception {
    HTTP.send(HttpRequest.newBuilder(URI.create(base + "/apps")).header("Authorization", "Bearer " + TestNode.TOKEN)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"writer\"}")).build(), HttpResponse.BodyHandlers.discarding());
    changes(base, 300);
    double alone = changes(base, 1000);
    AtomicBoolean reading = new AtomicBoolean(true);
    AtomicLong exported = new AtomicLong();
    Thread reader = new Thread(() -> {
      while (reading.get()) {
        try {
          exported.addAndGet(lines(base + "/apps/replay-plain/events/export"));
        } catch (Exception e) {
          return;
        }
      }
    });
    reader.start();
    double underLoad = changes(base, 1000);
    reading.set(false);
    reader.join();
    System.out.printf("config changes/s on another app: %.0f alone, %.0f while exports stream (%d events read)%n",
        alone, underLoad, exported.get());
  }

  private static double changes(String base, int count) throws Exception {
    long start = System.nanoTime();
    for (int i = 0; i < count; i++) {
      HTTP.send(HttpRequest.newBuilder(URI.create(base + "/apps/writer/config-vars"))
          .header("Authorization", "Bearer " + TestNode.TOKEN).header("Content-Type", "application/json")
          .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"N\":\"" + i + "\"}")).build(),
          HttpResponse.BodyHandlers.discarding());
    }
    return count / ((System.nanoTime() - start) / 1e9);
  }

  private static HttpRequest get(String url) {
    return HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + TestNode.TOKEN).build();
  }
}
