package skiff.actors.dynos;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;
import skiff.actors.Cause;
import skiff.actors.apps.AppEntity;
import skiff.actors.apps.AppEntity.LiveApp;
import skiff.persistence.CborSerializable;
import skiff.persistence.JournalName;

/**
 * An app's one-off dynos ({@code run.N}, and the release phase's {@code release.N}) for the whole
 * cluster: it numbers them (one counter per app, whatever node the run was asked through), decides
 * which node runs each, journals what becomes of them, and answers {@code ps}; a release phase's
 * end goes to the app's entity, which decides the release. The chosen node's {@link DynoAgent} carries the run out
 * through that node's {@link OneOffLauncher} and reports back; the attach URL names that node.
 *
 * <p>A one-off is never restarted. One whose node is lost ({@code kill -9}, a machine gone) is
 * recorded lost as soon as the cluster drops that node's agent; after this entity moves, it asks
 * each run's node whether the run is still there, and records it lost if not.
 */
public final class OneOffs extends EventSourcedBehavior<OneOffs.Command, OneOffs.Event, OneOffs.State> {
  public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, "OneOffs");

  public sealed interface Command extends CborSerializable {}

  /** Run {@code command} of {@code app}'s current release; the answer names the run and its attach URL. */
  public record Start(String appName, String slugChecksum, String stack, String command, Map<String, String> env,
      int releaseVersion, boolean attach, boolean tty, Cause cause, ActorRef<StartReply> replyTo) implements Command {}

  /**
   * Run a pending release's {@code release} command as {@code release.N}, detached; its end goes to
   * the app's entity as {@link AppEntity.ReleasePhaseEnded}.
   */
  public record StartReleasePhase(String appName, String slugChecksum, String stack, String command,
      Map<String, String> env, int releaseVersion, Cause cause) implements Command {}

  /**
   * The app's entity started again with release {@code releaseVersion} pending: answered only if
   * its release command does not run (it ended before it was told, or never started).
   */
  public record CheckReleasePhase(int releaseVersion) implements Command {}

  /** The runs not over yet. */
  public record ListRuns(ActorRef<Runs> replyTo) implements Command {}

  /** From the running node's agent: ready (attach URL, or null when detached). */
  public record Launched(String runId, String attachUrl) implements Command {}

  public record LaunchFailed(String runId, String reason) implements Command {}

  public record RunUp(String runId) implements Command {}

  /** It exited with {@code status}; {@code lastLine} is the last line it wrote, if any. */
  public record RunEnded(String runId, int status, String lastLine) implements Command {}

  /** From the agent asked after a run: it is not there. */
  public record RunGone(String runId) implements Command {}

  private record NodeLost(String node) implements Command {}

  private record CheckDue(String runId) implements Command {}

  /** The answer to {@link Start}: {@code error} set when it could not start. */
  public record StartReply(String name, String attachUrl, String node, String error) implements CborSerializable {}

  /** A run as {@code ps} shows it. */
  public record Run(String name, String runId, String node, String command, String state, Instant since,
      int releaseVersion) implements CborSerializable {}

  public record Runs(List<Run> runs) implements CborSerializable {}

  public sealed interface Event extends CborSerializable {
    /** The run it is about ({@code run.N}). */
    String name();
  }

  /** Run {@code name} is to run on {@code node}, as {@code runId}. */
  @JournalName("dyno.one-off-placed")
  public record Placed(String name, String runId, String node, String command, boolean attach, int releaseVersion,
      Cause cause) implements Event {}

  @JournalName("dyno.one-off-up")
  public record Up(String name, Cause cause) implements Event {}

  @JournalName("dyno.one-off-ended")
  public record Ended(String name, int status, Cause cause) implements Event {}

  /** It ended without a word from its process: its node was lost, or never had it. */
  @JournalName("dyno.one-off-lost")
  public record Lost(String name, String reason, Cause cause) implements Event {}

  /** The last number given, and the runs not over yet. */
  public record State(int counter, Map<String, Run> runs) {
    static State empty() {
      return new State(0, Map.of());
    }

    Run byRunId(String runId) {
      return runs.values().stream().filter(r -> r.runId().equals(runId)).findFirst().orElse(null);
    }
  }

  private final String appId;
  private final DynoNodes nodes;
  private final long memoryBytes;
  private final Supplier<Instant> clock;
  private final ActorContext<Command> ctx;
  private final TimerScheduler<Command> timers;
  /** Who waits to hear that a run started (in memory only). */
  private final Map<String, ActorRef<StartReply>> waiting = new HashMap<>();
  private final Set<String> watched = new HashSet<>();

  private OneOffs(String appId, DynoNodes nodes, long memoryBytes, Supplier<Instant> clock,
      ActorContext<Command> ctx, TimerScheduler<Command> timers) {
    super(PersistenceId.of(TYPE_KEY.name(), appId),
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1));
    this.appId = appId;
    this.nodes = nodes;
    this.memoryBytes = memoryBytes;
    this.clock = clock;
    this.ctx = ctx;
    this.timers = timers;
  }

  /** Every node starts the apps' one-off entities; runs are placed on the nodes {@code nodes} lists. */
  public static void init(ActorSystem<?> system, DynoNodes nodes, long memoryBytes) {
    ClusterSharding.get(system).init(Entity.of(TYPE_KEY, entity -> Behaviors.<Command>setup(ctx ->
        Behaviors.withTimers(timers -> new OneOffs(entity.getEntityId(), nodes, memoryBytes, Instant::now, ctx,
            timers))))
        // remembered while runs are under way: a lost node's runs are found lost without a request
        .withSettings(ClusterShardingSettings.create(system).withRememberEntities(true)));
  }

  @Override
  public State emptyState() {
    return State.empty();
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return DynoEntity.journalTags(appId);
  }

  /** Moved or restarted: each run not over is asked after on its node. */
  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), state -> state.runs().values()
            .forEach(r -> check(r.runId(), r.node())))
        .build();
  }

  private Cause platform() {
    return Cause.platform(clock.get());
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder().forAnyState()
        .onCommand(Start.class, this::start)
        .onCommand(StartReleasePhase.class, this::startReleasePhase)
        .onCommand(CheckReleasePhase.class, (s, c) -> {
          boolean runs = s.runs().values().stream()
              .anyMatch(r -> isReleasePhase(r.name()) && r.releaseVersion() == c.releaseVersion());
          if (!runs) {
            releaseEnded(c.releaseVersion(), -1, "the release command was not running when the app's entity"
                + " started again (the platform stopped before it could run or report)");
          }
          return Effect().none();
        })
        .onCommand(ListRuns.class, (s, c) -> {
          c.replyTo().tell(new Runs(List.copyOf(s.runs().values())));
          return Effect().none();
        })
        .onCommand(Launched.class, (s, c) -> {
          ActorRef<StartReply> replyTo = waiting.remove(c.runId());
          Run run = s.byRunId(c.runId());
          if (replyTo != null && run != null) {
            replyTo.tell(new StartReply(run.name(), c.attachUrl(), run.node(), null));
          }
          return Effect().none();
        })
        .onCommand(LaunchFailed.class, (s, c) -> {
          Run run = s.byRunId(c.runId());
          ActorRef<StartReply> replyTo = waiting.remove(c.runId());
          if (replyTo != null) {
            replyTo.tell(new StartReply(run == null ? null : run.name(), null, null, c.reason()));
          }
          return run == null ? Effect().none() : Effect().persist(new Lost(run.name(), c.reason(), platform()))
              .thenRun(next -> tellRelease(run, -1, "the release command could not start: " + c.reason()));
        })
        .onCommand(RunUp.class, (s, c) -> {
          Run run = s.byRunId(c.runId());
          return run == null || run.state().equals("up") ? Effect().none()
              : Effect().persist(new Up(run.name(), platform()));
        })
        .onCommand(RunEnded.class, (s, c) -> {
          Run run = s.byRunId(c.runId());
          return run == null ? Effect().none() : Effect().persist(new Ended(run.name(), c.status(), platform()))
              .thenRun(next -> tellRelease(run, c.status(), c.status() == 0 ? ""
                  : "the release command exited with status " + c.status()
                      + (c.lastLine() == null || c.lastLine().isBlank() ? "" : ": " + c.lastLine())));
        })
        .onCommand(RunGone.class, (s, c) -> {
          Run run = s.byRunId(c.runId());
          return run == null ? Effect().none()
              : Effect().persist(new Lost(run.name(), "node " + run.node() + " does not run it", platform()))
                  .thenRun(next -> tellRelease(run, -1, "the release command's node " + run.node()
                      + " no longer runs it"));
        })
        .onCommand(NodeLost.class, (s, c) -> {
          watched.remove(c.node());
          List<Event> lost = new ArrayList<>();
          List<Run> runs = s.runs().values().stream().filter(r -> r.node().equals(c.node())).toList();
          runs.forEach(r -> lost.add(new Lost(r.name(), "node " + c.node() + " was lost", platform())));
          return Effect().persist(lost).thenRun(next -> runs.forEach(r -> tellRelease(r, -1,
              "the release command's node " + c.node() + " was lost")));
        })
        .onCommand(CheckDue.class, (s, c) -> {
          Run run = s.byRunId(c.runId());
          if (run != null) {
            check(run.runId(), run.node());
          }
          return Effect().none();
        })
        .build();
  }

  private org.apache.pekko.persistence.typed.javadsl.Effect<Event, State> start(State s, Start c) {
    return place(s, "run", name -> new OneOffSpec(appId, c.appName(), name, c.slugChecksum(), c.stack(), c.command(),
        c.env(), c.releaseVersion(), c.attach(), c.tty(), c.cause().actor()), c.cause(),
        () -> c.replyTo().tell(new StartReply(null, null, null, "The cluster is full: no node has room for a one-off"
            + " dyno (SKIFF_NODE_CAPACITY).")), c.replyTo());
  }

  /**
   * Numbers a run of {@code type} ({@code run.N}, {@code release.N}: one counter for both), places
   * it on a node with room, writes that down, then has the node run it; {@code full} when no node
   * has room. {@code waiter} (or null) hears when it started.
   */
  private org.apache.pekko.persistence.typed.javadsl.Effect<Event, State> place(State s, String type,
      java.util.function.Function<String, OneOffSpec> specFor, Cause cause, Runnable full, ActorRef<StartReply> waiter) {
    String name = type + "." + (s.counter() + 1);
    var node = nodes.place(appId, name, null, memoryBytes, null);
    if (node.isEmpty()) {
      full.run();
      return Effect().none();
    }
    String runId = UUID.randomUUID().toString();
    OneOffSpec spec = specFor.apply(name);
    return Effect().persist(new Placed(name, runId, node.get(), spec.command(), spec.attach(), spec.releaseVersion(),
        cause)).thenRun(next -> {
          if (waiter != null) {
            waiting.put(runId, waiter);
          }
          launch(node.get(), runId, spec);
        });
  }

  /** Decided and written down: now the node's agent runs it. */
  private void launch(String node, String runId, OneOffSpec spec) {
    if (nodes.find(node) instanceof DynoNodes.Live live) {
      watch(node, live.agent());
      live.agent().tell(new DynoAgent.RunOneOff(runId, spec, ctx.getSelf()));
    } else {
      ctx.getSelf().tell(new LaunchFailed(runId, "node " + node + " went away"));
    }
  }

  /**
   * The release phase as a one-off like any other (numbered, placed, journaled, listed by ps),
   * except that nobody waits for it to start and its end decides the release.
   */
  private org.apache.pekko.persistence.typed.javadsl.Effect<Event, State> startReleasePhase(State s,
      StartReleasePhase c) {
    return place(s, "release", name -> new OneOffSpec(appId, c.appName(), name, c.slugChecksum(), c.stack(),
        c.command(), c.env(), c.releaseVersion(), false, false, c.cause().actor()), c.cause(),
        () -> releaseEnded(c.releaseVersion(), -1, "the cluster is full: no node has room for the release command"
            + " (SKIFF_NODE_CAPACITY)"), null);
  }

  private static boolean isReleasePhase(String name) {
    return name.startsWith("release.");
  }

  /** A release phase's run is over: its app decides the release. */
  private void tellRelease(Run run, int status, String reason) {
    if (isReleasePhase(run.name())) {
      releaseEnded(run.releaseVersion(), status, reason);
    }
  }

  private void releaseEnded(int version, int status, String reason) {
    ClusterSharding.get(ctx.getSystem()).entityRefFor(AppEntity.TYPE_KEY, appId)
        .tell(new AppEntity.ReleasePhaseEnded(version, status, reason));
  }

  /** Asks the run's node whether it still has the run; a node that is gone has not. */
  private void check(String runId, String node) {
    DynoNodes.Where where = nodes.find(node);
    if (where instanceof DynoNodes.Live live) {
      watch(node, live.agent());
      live.agent().tell(new DynoAgent.CheckOneOff(runId, ctx.getSelf()));
    } else if (where instanceof DynoNodes.NotYetKnown) {
      timers.startSingleTimer("check-" + runId, new CheckDue(runId), Duration.ofSeconds(1));
    } else {
      ctx.getSelf().tell(new RunGone(runId));
    }
  }

  private void watch(String node, ActorRef<DynoAgent.Command> agent) {
    if (watched.add(node)) {
      ctx.watchWith(agent, new NodeLost(node));
    }
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState()
        .onEvent(Placed.class, (s, e) -> {
          Map<String, Run> runs = new LinkedHashMap<>(s.runs());
          runs.put(e.name(), new Run(e.name(), e.runId(), e.node(), e.command(), "starting", e.cause().at(),
              e.releaseVersion()));
          return new State(Math.max(s.counter(), number(e.name())), Map.copyOf(runs));
        })
        .onEvent(Up.class, (s, e) -> {
          Run r = s.runs().get(e.name());
          if (r == null) {
            return s;
          }
          Map<String, Run> runs = new LinkedHashMap<>(s.runs());
          runs.put(e.name(), new Run(r.name(), r.runId(), r.node(), r.command(), "up", e.cause().at(),
              r.releaseVersion()));
          return new State(s.counter(), Map.copyOf(runs));
        })
        .onEvent(Ended.class, (s, e) -> without(s, e.name()))
        .onEvent(Lost.class, (s, e) -> without(s, e.name()))
        .build();
  }

  private static State without(State s, String name) {
    Map<String, Run> runs = new LinkedHashMap<>(s.runs());
    runs.remove(name);
    return new State(s.counter(), Map.copyOf(runs));
  }

  private static int number(String name) {
    try {
      return Integer.parseInt(name.substring(name.indexOf('.') + 1));
    } catch (RuntimeException e) {
      return 0;
    }
  }

  /** The API's way to the one-off entities: {@link OneOffRunner} for any node. */
  public static final class Runner implements OneOffRunner {
    private final ClusterSharding sharding;
    private final Duration timeout;

    public Runner(ActorSystem<?> system, Duration timeout) {
      this.sharding = ClusterSharding.get(system);
      this.timeout = timeout;
    }

    @Override
    public CompletionStage<OneOffRunner.Started> run(LiveApp app, String command, Map<String, String> env,
        boolean attach, boolean tty, Cause cause) {
      Map<String, String> vars = new HashMap<>(app.config());
      vars.putAll(env);
      return sharding.entityRefFor(TYPE_KEY, app.id()).<StartReply>ask(replyTo -> new Start(app.name(),
          app.currentSlug().checksum(), app.currentSlug().stack(), command, Map.copyOf(vars), app.currentVersion(),
          attach, tty, cause, replyTo), timeout).thenApply(started -> {
            if (started.error() != null) {
              throw new IllegalStateException(started.error());
            }
            return new OneOffRunner.Started(started.name(), started.attachUrl(), started.node());
          });
    }

    @Override
    public CompletionStage<List<OneOffRunner.Running>> running(String appId) {
      return sharding.entityRefFor(TYPE_KEY, appId).<Runs>ask(ListRuns::new, timeout).thenApply(runs -> runs.runs()
          .stream().map(r -> new OneOffRunner.Running(r.name(), r.command(), r.state(), r.since(),
              r.releaseVersion(), r.node())).toList());
    }
  }
}
