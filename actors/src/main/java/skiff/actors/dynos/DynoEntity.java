package skiff.actors.dynos;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;
import skiff.actors.Cause;
import skiff.persistence.CborSerializable;
import skiff.persistence.JournalName;

/**
 * One formation dyno ({@code web.1}) of one app, owning at most one OS process (two for a moment
 * while a web dyno is replaced: the new one must be up before the old one gets SIGTERM).
 *
 * <p>The crash policy is domain state, not supervision: the first crash restarts at once; a crash
 * within {@code SKIFF_CRASH_COOLDOWN} of the last crash restart waits until the cooldown is over.
 * That schedule is persisted ({@link RestartScheduled}) and its timer re-armed after recovery, so it
 * survives a platform restart and a move to another node. A new release or a manual restart
 * clears it. Supervision only covers technical faults (journal failures).
 */
public final class DynoEntity
    extends EventSourcedBehaviorWithEnforcedReplies<DynoEntity.Command, DynoEntity.Event, DynoEntity.State> {

  /** What journals written before Up carried its cycle time were cycled after. */
  private static final Duration LEGACY_CYCLE = Duration.ofHours(24);
  public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, "Dyno");
  /** How long after a start the platform failed it tries again, doubling up to {@link #START_RETRY_MAX}. */
  static final Duration START_RETRY = Duration.ofSeconds(5);
  static final Duration START_RETRY_MAX = Duration.ofMinutes(5);

  static Duration startRetryDelay(int failures) {
    Duration delay = START_RETRY.multipliedBy(1L << Math.min(16, Math.max(0, failures - 1)));
    return delay.compareTo(START_RETRY_MAX) > 0 ? START_RETRY_MAX : delay;
  }

  // ---- commands ----------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  /** Run this release (start it, or replace what runs). */
  public record Run(DynoSpec spec, Cause cause, ActorRef<Reply> replyTo) implements Command {}

  /** A manual restart ({@code ps:restart}); clears the crash cooldown. */
  public record Restart(Cause cause, ActorRef<Reply> replyTo) implements Command {}

  /** Scaled away: stop the process for good and leave. */
  public record Retire(Cause cause, ActorRef<Reply> replyTo) implements Command {}

  public record Get(ActorRef<Reply> replyTo) implements Command {}

  /** No requests for SKIFF_IDLE_AFTER and the only web dyno: stop the process, stay `idle`. */
  public record Idle(Cause cause) implements Command {}

  /** A request came for an idle dyno: start it again. */
  public record Wake(Cause cause) implements Command {}

  /** The agent of the node the process was placed on started it (or, asked to adopt it, still runs it). */
  public record ProcessLaunched(String runId, int port, long pid, String node) implements Command {}

  /** The agent could not start a process placed on its node: the platform's failure, not the app's. */
  public record LaunchFailed(String runId, String reason) implements Command {}

  /** A process the journal names runs nowhere (its node restarted or was lost, or it never started). */
  public record NotRunning(String runId, String reason) implements Command {}

  /**
   * The node {@code node} drains: move this dyno's process off it (a web dyno prebooting its new
   * process elsewhere first, any other stopped, then started elsewhere).
   */
  public record MoveOff(String node, Cause cause) implements Command {}

  /** The agent of a node this dyno had a process on is gone: the node was downed or stopped. */
  public record NodeLost(String node) implements Command {}

  /** Time to ask again after a process on a node this node has not heard of yet. */
  record AdoptDue(String runId) implements Command {}

  public record ProcessUp(String runId) implements Command {}

  public record ProcessExited(DynoRuntime.Exit exit) implements Command {}

  public record MemorySampled(String runId, long bytes) implements Command {}

  record BootTimedOut(String runId) implements Command {}

  enum RestartDue implements Command { INSTANCE }

  /** Time to try again a start the platform could not make (not the app's crash). */
  enum StartRetryDue implements Command { INSTANCE }

  enum CycleDue implements Command { INSTANCE }

  /**
   * After recovery: the processes the journal speaks of ({@code staleRunIds}) went with the old
   * platform or node; record that and run the spec again.
   */
  public record Resume(Set<String> staleRunIds) implements Command {}

  // ---- replies -----------------------------------------------------------------------------

  public sealed interface Reply extends CborSerializable {}

  public record Status(DynoView dyno) implements Reply {}

  /** What {@code ps} and the router need to know of a dyno. */
  public record DynoView(String name, String type, String state, int releaseVersion, String command, String size,
      int port, long pid, Instant since, Instant restartAt, Integer lastExitStatus, boolean retired, String node)
      implements CborSerializable {}

  // ---- events ------------------------------------------------------------------------------

  public sealed interface Event extends CborSerializable {
    Cause cause();
  }

  @JournalName("dyno.assigned")
  public record Assigned(DynoSpec spec, Cause cause) implements Event {}

  /**
   * Decided: process {@code runId} of release {@code releaseVersion} runs on {@code node}. Persisted
   * before the node's agent is told, and confirmed by {@link Starting} once the process exists, so
   * a crash between the two leaves a run id that recovery asks the node after (adopted if it runs,
   * replaced if not), never a process nobody knows of. {@code crashRestart}: started again by the
   * crash policy (Heroku's "Restarting"), which the cooldown counts.
   */
  @JournalName("dyno.placed")
  public record Placed(String runId, String node, int releaseVersion, String command, boolean crashRestart,
      Cause cause) implements Event {}

  /** {@code node}: the node that runs the process (null in journals written before nodes were named). */
  @JournalName(value = "dyno.starting", migration = NodeNamedMigration.class)
  public record Starting(String runId, int port, long pid, int releaseVersion, String command, String node,
      Cause cause) implements Event {}

  /**
   * The process answers. {@code nextCycleAt} is when the daily cycle will replace it, drawn with
   * its jitter when this was decided, so recovery replays the same instant; null in journals
   * written before it was recorded (then: 24 hours after).
   */
  @JournalName("dyno.up")
  public record Up(String runId, Instant nextCycleAt, Cause cause) implements Event {}

  /**
   * The process exited on its own: the app's crash. {@code from} is the phase it crashed from
   * ({@code starting} when it never came up); null in journals written before it was recorded.
   */
  @JournalName("dyno.crashed")
  public record Crashed(String runId, int status, List<String> lastLines, String reason, String from, Cause cause)
      implements Event {}

  /**
   * The platform could not start the process (no free port, the runtime refused the environment,
   * the slug could not be unpacked): no crash of the app, no cooldown; it is tried again shortly.
   */
  @JournalName("dyno.start-failed")
  public record StartFailed(String runId, int releaseVersion, String reason, Cause cause) implements Event {}

  @JournalName("dyno.restart-scheduled")
  public record RestartScheduled(Instant notBefore, Cause cause) implements Event {}

  /** A crash restart: the process was started again by the crash policy. */
  @JournalName(value = "dyno.restarted", migration = NodeNamedMigration.class)
  public record Restarted(String runId, int port, long pid, int releaseVersion, String node, Cause cause)
      implements Event {}

  @JournalName("dyno.stopping")
  public record Stopping(String runId, String reason, Cause cause) implements Event {}

  @JournalName("dyno.stopped")
  public record Stopped(String runId, int status, Cause cause) implements Event {}

  @JournalName("dyno.cycled")
  public record Cycled(Cause cause) implements Event {}

  /** R14 (over the quota, still running) or R15 (far over it, killed). */
  @JournalName("dyno.memory-quota-exceeded")
  public record MemoryQuotaExceeded(String code, long bytes, Cause cause) implements Event {}

  /** R10: a web dyno did not bind $PORT within the boot timeout. */
  @JournalName("dyno.boot-timeout")
  public record BootTimeout(String runId, Cause cause) implements Event {}

  /** R12: the process ignored SIGTERM for the whole grace period and was killed. */
  @JournalName("dyno.exit-timeout")
  public record ExitTimeout(String runId, Cause cause) implements Event {}

  @JournalName("dyno.retired")
  public record Retired(Cause cause) implements Event {}

  @JournalName("dyno.cooldown-cleared")
  public record CooldownCleared(Cause cause) implements Event {}

  /** The dyno went to sleep for lack of requests; {@link Woken} ends it. */
  @JournalName("dyno.idled")
  public record Idled(Cause cause) implements Event {}

  @JournalName("dyno.woken")
  public record Woken(Cause cause) implements Event {}

  // ---- state -------------------------------------------------------------------------------

  /**
   * A process of this dyno: {@code placed} (decided, not yet confirmed by its node), {@code starting},
   * {@code up}, {@code stopping} or {@code timed-out}.
   */
  @JournalName(value = "dyno.process", migration = NodeNamedMigration.class)
  public record Proc(String runId, int port, long pid, int releaseVersion, String command, String status,
      Instant since, String node) implements CborSerializable {
    Proc with(String newStatus, Instant at) {
      return new Proc(runId, port, pid, releaseVersion, command, newStatus, at, node);
    }
  }

  /**
   * @param current the dyno's process; {@code previous} a replaced web process still draining
   * @param phase {@code down}, {@code starting}, {@code up} or {@code crashed}, as {@code ps} shows
   */
  @JournalName("dyno.state")
  public record State(DynoSpec spec, boolean retired, String phase, Instant phaseSince, Proc current, Proc previous,
      Instant lastCrashRestartAt, Instant restartNotBefore, Instant nextCycleAt,
      Instant lastR14At, Integer lastExitStatus, boolean idled, int startFailures) implements CborSerializable {

    static State empty() {
      return new State(null, false, "down", null, null, null, null, null, null, null, null, false, 0);
    }

    State with(java.util.function.UnaryOperator<Builder> change) {
      return change.apply(new Builder(this)).build();
    }

    /** The process the dyno is seen as: the one serving, else the newest. */
    public Proc shown() {
      Proc serving = serving();
      return serving != null ? serving : current != null ? current : previous;
    }

    /** The release the dyno runs as seen from outside: its serving process's, else the one assigned. */
    public int shownRelease() {
      Proc proc = shown();
      return proc != null ? proc.releaseVersion() : spec == null ? 0 : spec.releaseVersion();
    }

    /** The process the router should use: the current one when up, else a draining one still up. */
    public Proc serving() {
      if (current != null && current.status().equals("up")) {
        return current;
      }
      return previous != null && previous.status().equals("up") ? previous : null;
    }

    public int servingPort() {
      Proc serving = serving();
      return serving == null ? 0 : serving.port();
    }
  }

  static final class Builder {
    DynoSpec spec;
    boolean retired;
    String phase;
    Instant phaseSince;
    Proc current;
    Proc previous;
    Instant lastCrashRestartAt;
    Instant restartNotBefore;
    Instant nextCycleAt;
    Instant lastR14At;
    Integer lastExitStatus;
    boolean idled;
    int startFailures;

    Builder(State s) {
      spec = s.spec; retired = s.retired; phase = s.phase; phaseSince = s.phaseSince; current = s.current;
      previous = s.previous; lastCrashRestartAt = s.lastCrashRestartAt;
      restartNotBefore = s.restartNotBefore; nextCycleAt = s.nextCycleAt; lastR14At = s.lastR14At;
      lastExitStatus = s.lastExitStatus;
      idled = s.idled;
      startFailures = s.startFailures;
    }

    /** A new process: a preboot keeps the one still serving as {@code previous} until this one is up. */
    Builder begin(Proc proc, Instant at) {
      if (current != null && !current.status().equals("stopping")) {
        previous = current;
      }
      current = proc;
      if (phase.equals("down") || phase.equals("crashed") || previous == null) {
        phase = "starting";
        phaseSince = at;
      }
      return this;
    }

    /** A process started again by the crash policy, which the cooldown counts from. */
    Builder restartAfterCrash(Proc proc, Instant at) {
      current = proc;
      lastCrashRestartAt = at;
      restartNotBefore = null;
      phase = "starting";
      phaseSince = at;
      return this;
    }

    State build() {
      return new State(spec, retired, phase, phaseSince, current, previous, lastCrashRestartAt, restartNotBefore,
          nextCycleAt, lastR14At, lastExitStatus, idled, startFailures);
    }
  }

  // ---- wiring ------------------------------------------------------------------------------

  /** A dyno's state after these events, computed the way recovery does (no effects). */
  public static State replay(String entityId, List<Event> events) {
    EventHandler<State, Event> handler = new DynoEntity(entityId, null, new DynoPolicy(Duration.ZERO, Duration.ZERO,
        Duration.ZERO, Duration.ZERO, Duration.ZERO, 0), LogSink.NONE, DynoWatcher.NONE, Instant::now, null, null, null)
        .eventHandler();
    State state = State.empty();
    for (Event e : events) {
      state = handler.apply(state, e);
    }
    return state;
  }

  public static String entityId(String appId, String dynoName) {
    return appId + ":" + dynoName;
  }

  public static Behavior<Command> create(String entityId, DynoNodes nodes, DynoPolicy policy, LogSink logs,
      DynoWatcher watcher, Supplier<Instant> clock, ActorRef<ClusterSharding.ShardCommand> shard) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
        new DynoEntity(entityId, nodes, policy, logs, watcher, clock, ctx, timers, shard)));
  }

  private final String appId;
  private final String name;
  private final DynoNodes nodes;
  /** Nodes whose agents this incarnation watches (a lost node's processes are replaced at once). */
  private final Set<String> watched = new java.util.HashSet<>();
  private final DynoPolicy policy;
  private final LogSink logs;
  private final DynoWatcher watcher;
  private final Supplier<Instant> clock;
  private final ActorContext<Command> ctx;
  private final TimerScheduler<Command> timers;
  private final ActorRef<ClusterSharding.ShardCommand> shard;

  private DynoEntity(String entityId, DynoNodes nodes, DynoPolicy policy, LogSink logs, DynoWatcher watcher,
      Supplier<Instant> clock, ActorContext<Command> ctx, TimerScheduler<Command> timers,
      ActorRef<ClusterSharding.ShardCommand> shard) {
    super(PersistenceId.of(TYPE_KEY.name(), entityId),
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1));
    this.appId = entityId.substring(0, entityId.indexOf(':'));
    this.name = entityId.substring(entityId.indexOf(':') + 1);
    this.nodes = nodes;
    this.policy = policy;
    this.logs = logs;
    this.watcher = watcher;
    this.clock = clock;
    this.ctx = ctx;
    this.timers = timers;
    this.shard = shard;
  }

  @Override
  public State emptyState() {
    return State.empty();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return journalTags(appId);
  }

  /** The tags of every dyno event of an app (formation and one-off dynos): the app's and the dynos'. */
  static Set<String> journalTags(String appId) {
    return Set.of("app:" + appId, "dyno");
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), state -> {
          // the processes the journal names may still run (this entity moved, its node did not) or
          // not (their node restarted or was lost): their nodes' agents say which
          for (Proc proc : new Proc[] {state.previous(), state.current()}) {
            if (proc != null) {
              adopt(proc);
            }
          }
          ctx.getSelf().tell(new Resume(Set.of()));
          route(state);
        })
        // no PostStop: handed to another node or passivated, the processes stay with their node's
        // agent and the routers keep routing to them (the next incarnation adopts them and says
        // where they serve); a node that stops stops its own processes
        .build();
  }

  private Cause platform() {
    return Cause.platform(clock.get());
  }

  private void log(String message) {
    logs.append(appId, "heroku", name, message);
  }

  // ---- commands ----------------------------------------------------------------------------

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder().forAnyState()
        .onCommand(Get.class, (s, c) -> Effect().reply(c.replyTo(), status(s)))
        .onCommand(Run.class, this::run)
        .onCommand(Restart.class, this::restart)
        .onCommand(Retire.class, this::retire)
        .onCommand(ProcessLaunched.class, this::processLaunched)
        .onCommand(LaunchFailed.class, this::launchFailed)
        .onCommand(NotRunning.class, this::notRunning)
        .onCommand(NodeLost.class, this::nodeLost)
        .onCommand(MoveOff.class, this::moveOff)
        .onCommand(AdoptDue.class, (s, c) -> {
          Proc proc = proc(s, c.runId());
          if (proc != null) {
            adopt(proc);
          }
          return Effect().noReply();
        })
        .onCommand(ProcessUp.class, this::processUp)
        .onCommand(ProcessExited.class, this::processExited)
        .onCommand(MemorySampled.class, this::memorySampled)
        .onCommand(BootTimedOut.class, this::bootTimedOut)
        .onCommand(RestartDue.class, this::restartDue)
        .onCommand(StartRetryDue.class, this::startRetryDue)
        .onCommand(CycleDue.class, this::cycleDue)
        .onCommand(Resume.class, this::resume)
        .onCommand(Idle.class, this::idle)
        .onCommand(Wake.class, this::wake)
        .build();
  }

  private Status status(State s) {
    String type = name.substring(0, name.indexOf('.'));
    Proc shown = s.shown();
    String state = s.retired() && s.current() == null ? "down" : s.phase();
    return new Status(new DynoView(name, type, state, s.shownRelease(),
        s.spec() == null ? null : s.spec().command(), s.spec() == null ? null : s.spec().size(), s.servingPort(),
        shown == null ? 0 : shown.pid(), s.phaseSince(), s.restartNotBefore(), s.lastExitStatus(), s.retired(),
        shown == null ? null : shown.node()));
  }

  private ReplyEffect<Event, State> run(State s, Run c) {
    List<Event> events = new ArrayList<>();
    boolean sameRelease = s.spec() != null && s.spec().equals(c.spec());
    if (sameRelease && !s.retired() && (s.current() != null || s.restartNotBefore() != null)) {
      return Effect().reply(c.replyTo(), status(s));
    }
    events.add(new Assigned(c.spec(), c.cause()));
    if (s.lastCrashRestartAt() != null || s.restartNotBefore() != null) {
      events.add(new CooldownCleared(c.cause())); // a new release gets a fresh start
    }
    Proc running = s.current();
    if (running == null || running.status().equals("stopping")) {
      if (running == null) {
        events.add(launch(c.spec(), c.cause(), false, s));
      }
    } else if (c.spec().isWeb() && running.status().equals("up") && s.previous() == null) {
      events.add(launch(c.spec(), c.cause(), false, s)); // preboot: the old one serves until this one is up
    } else {
      events.add(new Stopping(running.runId(), "replaced by release v" + c.spec().releaseVersion(), c.cause()));
      stopAfterDrain(running);
    }
    return persist(events).thenReply(c.replyTo(), this::status);
  }

  private ReplyEffect<Event, State> restart(State s, Restart c) {
    List<Event> events = new ArrayList<>();
    events.add(new CooldownCleared(c.cause()));
    if (s.spec() == null || s.retired()) {
      return persist(events).thenReply(c.replyTo(), this::status);
    }
    if (s.spec().isWeb() && s.current() != null && s.current().status().equals("up") && s.previous() == null) {
      // preboot, as for a new release: the old process serves until the new one is up
      events.add(launch(s.spec(), c.cause(), false, s));
    } else if (s.current() != null && !s.current().status().equals("stopping")) {
      events.add(new Stopping(s.current().runId(), "restart", c.cause()));
      stopAfterDrain(s.current());
    } else if (s.current() == null) {
      events.add(launch(s.spec(), c.cause(), false, s));
    }
    return persist(events).thenReply(c.replyTo(), this::status);
  }

  private ReplyEffect<Event, State> retire(State s, Retire c) {
    if (s.retired()) {
      // already retired (every start's convergence asks again): the journal needs nothing new
      return Effect().reply(c.replyTo(), status(s));
    }
    List<Event> events = new ArrayList<>();
    events.add(new Retired(c.cause()));
    if (s.current() != null && !s.current().status().equals("stopping")) {
      events.add(new Stopping(s.current().runId(), "scaled down", c.cause()));
      stopAfterDrain(s.current());
    }
    if (s.previous() != null) {
      stopAfterDrain(s.previous());
    }
    timers.cancelAll();
    boolean leaveNow = s.current() == null && s.previous() == null;
    return persist(events).thenRun(next -> {
      if (leaveNow) {
        passivate();
      }
    }).thenReply(c.replyTo(), this::status);
  }

  private ReplyEffect<Event, State> processUp(State s, ProcessUp c) {
    if (s.current() == null || !s.current().runId().equals(c.runId()) || !s.current().status().equals("starting")) {
      return Effect().noReply();
    }
    timers.cancel("boot-" + c.runId());
    List<Event> events = new ArrayList<>();
    Cause cause = platform();
    Instant nextCycle = cause.at().plus(policy.cycleInterval()).plusSeconds(
        (long) (ThreadLocalRandom.current().nextDouble() * policy.cycleJitter().toSeconds()));
    events.add(new Up(c.runId(), nextCycle, cause));
    if (s.previous() != null && !s.previous().status().equals("stopping")) {
      events.add(new Stopping(s.previous().runId(), "replaced", platform()));
      stopAfterDrain(s.previous());
    }
    return persist(events).thenRun(this::armCycle).thenNoReply();
  }

  private ReplyEffect<Event, State> processExited(State s, ProcessExited c) {
    DynoRuntime.Exit exit = c.exit();
    List<Event> events = new ArrayList<>();
    Cause cause = platform();
    if (s.previous() != null && s.previous().runId().equals(exit.runId())) {
      if (exit.killedAfterGrace()) {
        events.add(new ExitTimeout(exit.runId(), cause));
      }
      events.add(new Stopped(exit.runId(), exit.status(), cause));
      return persist(events).thenRun(next -> leaveIfDone(next)).thenNoReply();
    }
    if (s.current() == null || !s.current().runId().equals(exit.runId())) {
      return Effect().noReply();
    }
    timers.cancel("boot-" + exit.runId());
    if (s.current().status().equals("stopping")) {
      if (exit.killedAfterGrace()) {
        events.add(new ExitTimeout(exit.runId(), cause));
      }
      events.add(new Stopped(exit.runId(), exit.status(), cause));
      if (!s.retired() && s.spec() != null && !s.idled()) {
        events.add(launch(s.spec(), cause, false, s));
      }
      return persist(events).thenRun(next -> leaveIfDone(next)).thenNoReply();
    }
    // any other exit of a formation dyno is a crash
    String reason = s.current().status().equals("timed-out") ? "R10"
        : exit.outOfMemory() ? "R15" : "exit " + exit.status();
    if (exit.outOfMemory()) {
      events.add(new MemoryQuotaExceeded("R15", 3 * policy.memoryQuotaBytes(), cause));
    }
    String from = s.current().status().equals("up") ? "up" : "starting"; // placed, starting or timed out
    events.add(new Crashed(exit.runId(), exit.status(), exit.lastLines(), reason, from, cause));
    Instant now = clock.get();
    Instant cooldownEnds = s.lastCrashRestartAt() == null ? null : s.lastCrashRestartAt().plus(policy.crashCooldown());
    if (s.retired() || s.spec() == null) {
      return persist(events).thenRun(this::leaveIfDone).thenNoReply();
    }
    if (cooldownEnds == null || !now.isBefore(cooldownEnds)) {
      events.add(launch(s.spec(), cause, true, s));
      return persist(events).thenNoReply();
    }
    events.add(new RestartScheduled(cooldownEnds, cause));
    return persist(events).thenRun(next -> armRestart(next)).thenNoReply();
  }

  private ReplyEffect<Event, State> idle(State s, Idle c) {
    if (s.retired() || s.current() == null || !s.current().status().equals("up") || s.previous() != null) {
      return Effect().noReply();
    }
    stopAfterDrain(s.current());
    return persist(List.of(new Idled(c.cause()), new Stopping(s.current().runId(), "idling", c.cause())))
        .thenNoReply();
  }

  private ReplyEffect<Event, State> wake(State s, Wake c) {
    if (!s.phase().equals("idle") || s.spec() == null || s.retired() || s.current() != null) {
      return Effect().noReply();
    }
    return persist(List.of(new Woken(c.cause()), launch(s.spec(), c.cause(), false, s))).thenNoReply();
  }

  private ReplyEffect<Event, State> memorySampled(State s, MemorySampled c) {
    if (s.current() == null || !s.current().runId().equals(c.runId()) || c.bytes() <= policy.memoryQuotaBytes()) {
      return Effect().noReply();
    }
    Instant now = clock.get();
    if (s.lastR14At() != null && now.isBefore(s.lastR14At().plus(DynoPolicy.R14_EVERY))) {
      return Effect().noReply();
    }
    return persist(List.of(new MemoryQuotaExceeded("R14", c.bytes(), platform()))).thenNoReply();
  }

  private ReplyEffect<Event, State> bootTimedOut(State s, BootTimedOut c) {
    if (s.current() == null || !s.current().runId().equals(c.runId()) || !s.current().status().equals("starting")) {
      return Effect().noReply();
    }
    stopNow(s.current(), Duration.ZERO);
    return persist(List.of(new BootTimeout(c.runId(), platform()))).thenNoReply();
  }

  private ReplyEffect<Event, State> restartDue(State s, RestartDue c) {
    if (s.restartNotBefore() == null || s.retired() || s.current() != null || s.spec() == null) {
      return Effect().noReply();
    }
    if (clock.get().isBefore(s.restartNotBefore())) {
      armRestart(s);
      return Effect().noReply();
    }
    return persist(List.of(launch(s.spec(), platform(), true, s))).thenNoReply();
  }

  /** A start the platform failed: try again if the dyno still has no process of its release. */
  private ReplyEffect<Event, State> startRetryDue(State s, StartRetryDue c) {
    if (s.retired() || s.spec() == null || s.idled()) {
      return Effect().noReply();
    }
    boolean noProcess = s.current() == null;
    // a failed preboot: of a new release, or of the daily cycle (Cycled cleared the next cycle)
    boolean prebootPending = s.current() != null && s.current().status().equals("up") && s.previous() == null
        && (s.current().releaseVersion() != s.spec().releaseVersion() || s.nextCycleAt() == null);
    if (!noProcess && !prebootPending) {
      return Effect().noReply();
    }
    return persist(List.of(launch(s.spec(), platform(), false, s))).thenNoReply();
  }

  private ReplyEffect<Event, State> cycleDue(State s, CycleDue c) {
    if (s.retired() || s.current() == null || !s.current().status().equals("up") || s.spec() == null) {
      return Effect().noReply();
    }
    if (s.nextCycleAt() != null && clock.get().isBefore(s.nextCycleAt())) {
      armCycle(s);
      return Effect().noReply();
    }
    List<Event> events = new ArrayList<>();
    events.add(new Cycled(platform()));
    if (s.spec().isWeb() && s.previous() == null) {
      events.add(launch(s.spec(), platform(), false, s));
    } else {
      events.add(new Stopping(s.current().runId(), "cycling", platform()));
      stopAfterDrain(s.current());
    }
    return persist(events).thenNoReply();
  }

  /** After recovery: what the journal says was running is gone; record that, then run the spec again. */
  private ReplyEffect<Event, State> resume(State s, Resume c) {
    List<Event> events = new ArrayList<>();
    Cause cause = platform();
    boolean previousStale = s.previous() != null && c.staleRunIds().contains(s.previous().runId());
    boolean currentStale = s.current() != null && c.staleRunIds().contains(s.current().runId());
    if (previousStale) {
      events.add(new Stopped(s.previous().runId(), 137, cause));
    }
    if (currentStale) {
      events.add(new Stopped(s.current().runId(), 137, cause));
    }
    if (s.retired() && (s.current() == null || currentStale) && (s.previous() == null || previousStale)) {
      return persist(events).thenRun(next -> passivate()).thenNoReply();
    }
    boolean idle = s.current() == null && s.phase().equals("down") && !s.idled();
    // a start the platform failed waits on a timer that does not outlive the entity: start it now
    boolean waitingToStart = s.current() == null && s.phase().equals("starting");
    if (!s.retired() && s.spec() != null && s.restartNotBefore() == null && !s.idled()
        && (currentStale || idle || waitingToStart)) {
      events.add(launch(s.spec(), cause, false, s));
    }
    return persist(events).thenRun(next -> {
      armRestart(next);
      armCycle(next);
    }).thenNoReply();
  }

  // ---- helpers -----------------------------------------------------------------------------

  /**
   * SIGTERM for a process once the router has let the requests it was serving finish (up to the
   * SIGTERM grace): it is taken out of routing first, so no request is sent to a dying process and
   * none in flight is cut by the signal.
   */
  private void stopAfterDrain(Proc proc) {
    tellAgent(proc, new DynoAgent.Stop(proc.runId(), policy.sigtermGrace(), appId, name, proc.port()));
  }

  private void stopNow(Proc proc, Duration grace) {
    tellAgent(proc, new DynoAgent.Stop(proc.runId(), grace, appId, name, 0));
  }

  /** To the agent of the proc's node; a node that is gone took its processes with it. */
  private void tellAgent(Proc proc, DynoAgent.Command command) {
    if (nodes.find(proc.node()) instanceof DynoNodes.Live live) {
      live.agent().tell(command);
    }
  }

  private static Proc proc(State s, String runId) {
    if (s.current() != null && s.current().runId().equals(runId)) {
      return s.current();
    }
    return s.previous() != null && s.previous().runId().equals(runId) ? s.previous() : null;
  }

  /**
   * Asks the proc's node whether it still runs it. A node this node has not heard of yet is asked
   * again shortly; one that is gone took the process with it.
   */
  private void adopt(Proc proc) {
    DynoNodes.Where where = nodes.find(proc.node());
    if (where instanceof DynoNodes.Live live) {
      watch(proc.node(), live.agent());
      live.agent().tell(new DynoAgent.Adopt(proc.runId(), ctx.getSelf()));
    } else if (where instanceof DynoNodes.NotYetKnown) {
      timers.startSingleTimer("adopt-" + proc.runId(), new AdoptDue(proc.runId()), Duration.ofSeconds(1));
    } else {
      ctx.getSelf().tell(new NotRunning(proc.runId(), "node " + proc.node() + " is gone"));
    }
  }

  private void watch(String node, ActorRef<DynoAgent.Command> agent) {
    if (watched.add(node)) {
      ctx.watchWith(agent, new NodeLost(node));
    }
  }

  /** Tells the routers where the dyno serves now. */
  private void route(State next) {
    Proc serving = next.serving();
    watcher.changed(appId, name, next.retired() && next.current() == null ? "down" : next.phase(),
        next.retired() ? 0 : next.servingPort(), serving == null ? nodes.self() : serving.node());
  }

  private org.apache.pekko.persistence.typed.javadsl.EffectBuilder<Event, State> persist(List<Event> events) {
    if (events.isEmpty()) {
      return Effect().none();
    }
    return Effect().persist(events).thenRun(next -> {
      events.forEach(e -> announce(e, next));
      if (events.stream().anyMatch(StartFailed.class::isInstance)) {
        timers.startSingleTimer("start-retry", StartRetryDue.INSTANCE, startRetryDelay(next.startFailures()));
      }
      for (Event e : events) {
        if (e instanceof Placed placed) {
          dispatch(placed, next.spec());
        }
      }
      route(next);
    });
  }

  /** The decision is in the journal: now the node's agent carries it out. */
  private void dispatch(Placed placed, DynoSpec spec) {
    if (nodes.find(placed.node()) instanceof DynoNodes.Live live) {
      watch(placed.node(), live.agent());
      live.agent().tell(new DynoAgent.Launch(placed.runId(), spec, memoryQuota(spec), ctx.getSelf()));
      if (spec.isWeb()) {
        timers.startSingleTimer("boot-" + placed.runId(), new BootTimedOut(placed.runId()), policy.bootTimeout());
      }
    } else {
      ctx.getSelf().tell(new LaunchFailed(placed.runId(), "node " + placed.node() + " left the cluster"));
    }
  }

  private long memoryQuota(DynoSpec spec) {
    return policy.memoryQuotaBytes() * skiff.actors.apps.DynoSizes.memoryFactor(spec.size());
  }

  /**
   * Decides where a new process runs (its node's agent is told once this is persisted). With no
   * node that has room, the start fails as the platform's failure and is tried again.
   */
  private Event launch(DynoSpec spec, Cause cause, boolean crashRestart, State s) {
    return launch(spec, cause, crashRestart, s, null);
  }

  private Event launch(DynoSpec spec, Cause cause, boolean crashRestart, State s, String avoid) {
    String runId = UUID.randomUUID().toString();
    Proc last = s.shown();
    java.util.Optional<String> node = nodes.place(appId, name, last == null ? null : last.node(), memoryQuota(spec),
        avoid);
    if (node.isEmpty()) {
      return new StartFailed(runId, spec.releaseVersion(), "no node has room for another dyno (the nodes'"
          + " SKIFF_NODE_CAPACITY); scale down or add a node", cause);
    }
    return new Placed(runId, node.get(), spec.releaseVersion(), spec.command(), crashRestart, cause);
  }

  private ReplyEffect<Event, State> processLaunched(State s, ProcessLaunched c) {
    Proc proc = proc(s, c.runId());
    if (proc == null) {
      // a process this dyno no longer wants (replaced or retired while it started): stop it
      if (nodes.find(c.node()) instanceof DynoNodes.Live live) {
        live.agent().tell(new DynoAgent.Stop(c.runId(), Duration.ZERO, appId, name, 0));
      }
      return Effect().noReply();
    }
    if (!proc.status().equals("placed")) {
      return Effect().noReply(); // adopted, as the journal already knew it
    }
    return persist(List.of(new Starting(c.runId(), c.port(), c.pid(), proc.releaseVersion(), proc.command(),
        c.node(), platform()))).thenNoReply();
  }

  private ReplyEffect<Event, State> launchFailed(State s, LaunchFailed c) {
    Proc proc = proc(s, c.runId());
    if (proc == null || !proc.status().equals("placed")) {
      return Effect().noReply();
    }
    timers.cancel("boot-" + c.runId());
    ctx.getLog().warn("dyno {} of app {} could not start on {}: {}", name, appId, proc.node(), c.reason());
    return persist(List.of(new StartFailed(c.runId(), proc.releaseVersion(), c.reason(), platform())))
        .thenNoReply();
  }

  private ReplyEffect<Event, State> notRunning(State s, NotRunning c) {
    Proc proc = proc(s, c.runId());
    if (proc == null) {
      return Effect().noReply();
    }
    timers.cancel("boot-" + c.runId());
    return resume(s, new Resume(Set.of(c.runId())));
  }

  private ReplyEffect<Event, State> moveOff(State s, MoveOff c) {
    Proc proc = s.current();
    if (s.retired() || s.spec() == null || proc == null || !c.node().equals(proc.node())
        || proc.status().equals("stopping")) {
      return Effect().noReply();
    }
    if (s.spec().isWeb() && proc.status().equals("up") && s.previous() == null) {
      // preboot: the process on the draining node serves until its successor elsewhere is up
      return persist(List.of(launch(s.spec(), c.cause(), false, s, c.node()))).thenNoReply();
    }
    stopAfterDrain(proc);
    return persist(List.of(new Stopping(proc.runId(), "moving off node " + c.node(), c.cause()))).thenNoReply();
  }

  private ReplyEffect<Event, State> nodeLost(State s, NodeLost c) {
    watched.remove(c.node());
    Set<String> lost = new java.util.HashSet<>();
    for (Proc proc : new Proc[] {s.previous(), s.current()}) {
      if (proc != null && c.node().equals(proc.node())) {
        lost.add(proc.runId());
        timers.cancel("boot-" + proc.runId());
      }
    }
    if (lost.isEmpty()) {
      return Effect().noReply();
    }
    log("Node " + c.node() + " was lost; its process is gone");
    return resume(s, new Resume(Set.copyOf(lost)));
  }

  private void armRestart(State s) {
    if (s.restartNotBefore() != null && !s.retired()) {
      Duration wait = Duration.between(clock.get(), s.restartNotBefore());
      timers.startSingleTimer("restart", RestartDue.INSTANCE, wait.isNegative() ? Duration.ZERO : wait);
    }
  }

  private void armCycle(State s) {
    if (s.nextCycleAt() != null && !s.retired()) {
      Duration wait = Duration.between(clock.get(), s.nextCycleAt());
      timers.startSingleTimer("cycle", CycleDue.INSTANCE, wait.isNegative() ? Duration.ZERO : wait);
    }
  }

  private void leaveIfDone(State s) {
    if (s.retired() && s.current() == null && s.previous() == null) {
      passivate();
    }
  }

  private void passivate() {
    if (shard != null) {
      shard.tell(new ClusterSharding.Passivate<>(ctx.getSelf()));
    } else {
      ctx.stop(ctx.getSelf());
    }
  }

  /** The platform lines Heroku writes to the app's log for each step. */
  private void announce(Event e, State next) {
    if (e instanceof Placed pl && pl.crashRestart()) {
      log("Restarting");
    } else if (e instanceof Starting st) {
      log("Starting process with command `" + st.command() + "`");
    } else if (e instanceof Restarted) {
      log("Restarting");
      log("Starting process with command `" + (next.spec() == null ? "" : next.spec().command()) + "`");
    } else if (e instanceof Up) {
      log("State changed from starting to up");
    } else if (e instanceof Crashed cr) {
      log("Process exited with status " + cr.status());
      String from = cr.from() != null ? cr.from() : cr.reason().equals("R10") ? "starting" : "up";
      log("State changed from " + from + " to crashed");
    } else if (e instanceof StartFailed sf) {
      log("Error starting process: " + sf.reason() + " (the platform's failure, not the app's; trying again in "
          + startRetryDelay(next.startFailures()).toSeconds() + " s)");
    } else if (e instanceof RestartScheduled rs) {
      log("Crashed again within the cooldown; restarting at " + rs.notBefore());
    } else if (e instanceof Stopping sp) {
      log("Stopping all processes with SIGTERM (" + sp.reason() + ")");
    } else if (e instanceof Stopped sd) {
      log("Process exited with status " + sd.status());
    } else if (e instanceof Idled) {
      log("Idling");
    } else if (e instanceof Woken) {
      log("Unidling");
    } else if (e instanceof Cycled) {
      log("Cycling");
    } else if (e instanceof BootTimeout) {
      log("Error R10 (Boot timeout) -> Web process failed to bind to $PORT within "
          + policy.bootTimeout().toSeconds() + " seconds of launch");
      log("Stopping process with SIGKILL");
    } else if (e instanceof ExitTimeout) {
      log("Error R12 (Exit timeout) -> Process failed to exit within " + policy.sigtermGrace().toSeconds()
          + " seconds of SIGTERM");
      log("Stopping process with SIGKILL");
    } else if (e instanceof MemoryQuotaExceeded m) {
      long mb = m.bytes() >> 20;
      long quota = Math.max(1, policy.memoryQuotaBytes() >> 20);
      log("Process running mem=" + mb + "M(" + (100 * mb / quota) + ".0%)");
      log(m.code().equals("R14") ? "Error R14 (Memory quota exceeded)"
          : "Error R15 (Memory quota vastly exceeded)");
      if (m.code().equals("R15")) {
        log("Stopping process with SIGKILL");
      }
    }
  }

  // ---- events ------------------------------------------------------------------------------

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState()
        .onEvent(Assigned.class, (s, e) -> s.with(b -> {
          b.spec = e.spec();
          b.retired = false;
          b.idled = false;
          return b;
        }))
        .onEvent(CooldownCleared.class, (s, e) -> s.with(b -> {
          b.lastCrashRestartAt = null;
          b.restartNotBefore = null;
          return b;
        }))
        .onEvent(Placed.class, (s, e) -> s.with(b -> {
          Proc proc = new Proc(e.runId(), 0, 0, e.releaseVersion(), e.command(), "placed", e.cause().at(), e.node());
          return e.crashRestart() ? b.restartAfterCrash(proc, e.cause().at()) : b.begin(proc, e.cause().at());
        }))
        .onEvent(Starting.class, (s, e) -> s.with(b -> {
          Proc proc = new Proc(e.runId(), e.port(), e.pid(), e.releaseVersion(), e.command(), "starting",
              e.cause().at(), e.node());
          if (b.current != null && b.current.runId().equals(e.runId())) {
            b.current = proc; // the node confirms what was placed on it
            return b;
          }
          return b.begin(proc, e.cause().at()); // journals from before placement: started, then recorded
        }))
        .onEvent(Restarted.class, (s, e) -> s.with(b -> {
          return b.restartAfterCrash(new Proc(e.runId(), e.port(), e.pid(), e.releaseVersion(),
              b.spec == null ? null : b.spec.command(), "starting", e.cause().at(), e.node()), e.cause().at());
        }))
        .onEvent(Up.class, (s, e) -> s.with(b -> {
          b.startFailures = 0;
          b.current = b.current.with("up", e.cause().at());
          b.phase = "up";
          b.phaseSince = e.cause().at();
          b.nextCycleAt = e.nextCycleAt() != null ? e.nextCycleAt() : e.cause().at().plus(LEGACY_CYCLE);
          return b;
        }))
        .onEvent(BootTimeout.class, (s, e) -> s.with(b -> {
          b.current = b.current.with("timed-out", e.cause().at());
          return b;
        }))
        .onEvent(StartFailed.class, (s, e) -> s.with(b -> {
          if (b.current != null && b.current.runId().equals(e.runId())) {
            b.current = b.previous; // what was placed never ran; a preboot's old process serves on
            b.previous = null;
          }
          // a failed preboot leaves the old process serving; otherwise the dyno waits for the retry
          if (b.current == null || !b.current.status().equals("up")) {
            b.current = null;
            b.phase = "starting";
            b.phaseSince = e.cause().at();
          }
          b.restartNotBefore = null;
          b.startFailures++;
          return b;
        }))
        .onEvent(Crashed.class, (s, e) -> s.with(b -> {
          b.current = null;
          b.phase = "crashed";
          b.phaseSince = e.cause().at();
          b.lastExitStatus = e.status();
          return b;
        }))
        .onEvent(RestartScheduled.class, (s, e) -> s.with(b -> {
          b.restartNotBefore = e.notBefore();
          return b;
        }))
        .onEvent(Stopping.class, (s, e) -> s.with(b -> {
          if (b.current != null && b.current.runId().equals(e.runId())) {
            b.current = b.current.with("stopping", e.cause().at());
          } else if (b.previous != null && b.previous.runId().equals(e.runId())) {
            b.previous = b.previous.with("stopping", e.cause().at());
          }
          return b;
        }))
        .onEvent(Stopped.class, (s, e) -> s.with(b -> {
          if (b.previous != null && b.previous.runId().equals(e.runId())) {
            b.previous = null;
          } else if (b.current != null && b.current.runId().equals(e.runId())) {
            b.current = null;
            // a replaced process that still serves keeps the dyno up while its successor starts
            boolean stillServing = b.previous != null && "up".equals(b.previous.status());
            b.phase = stillServing ? "up" : b.idled ? "idle" : "down";
            b.phaseSince = e.cause().at();
            b.lastExitStatus = e.status();
          }
          return b;
        }))
        .onEvent(Cycled.class, (s, e) -> s.with(b -> {
          b.nextCycleAt = null;
          return b;
        }))
        .onEvent(MemoryQuotaExceeded.class, (s, e) -> s.with(b -> {
          if (e.code().equals("R14")) {
            b.lastR14At = e.cause().at();
          }
          return b;
        }))
        .onEvent(ExitTimeout.class, (s, e) -> s)
        .onEvent(Idled.class, (s, e) -> s.with(b -> {
          b.idled = true;
          return b;
        }))
        .onEvent(Woken.class, (s, e) -> s.with(b -> {
          b.idled = false;
          return b;
        }))
        .onEvent(Retired.class, (s, e) -> s.with(b -> {
          b.retired = true;
          b.restartNotBefore = null;
          b.nextCycleAt = null;
          return b;
        }))
        .build();
  }
}
