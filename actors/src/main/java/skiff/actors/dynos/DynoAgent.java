package skiff.actors.dynos;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import skiff.actors.apps.DynoSizes;
import skiff.persistence.CborSerializable;

/**
 * A node's executor of what the dyno entities decided: it starts, adopts and stops the processes
 * placed on its node and reports what becomes of them to the entity that placed them, wherever in
 * the cluster that entity is. It decides nothing; a launch it cannot make (the node is full, the
 * runtime refused) is reported and the entity decides again.
 *
 * <p>One per node, registered with the receptionist under {@link #KEY} and named after its node,
 * so every node's {@link DynoNodes} knows which agent runs which node's dynos, and a node that is
 * downed drops out of every listing. Its processes go with it: the node's shutdown stops them.
 */
public final class DynoAgent {
  public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "dyno-agent");
  private static final String NAME_PREFIX = "dyno-agent-";

  public sealed interface Command extends CborSerializable {}

  /**
   * Start {@code spec} as process {@code runId}; the answer ({@link DynoEntity.ProcessLaunched} or
   * {@link DynoEntity.LaunchFailed}) and everything after goes to {@code dyno}. Sent again with the
   * same run id, it is answered again and started once.
   */
  public record Launch(String runId, DynoSpec spec, long memoryQuotaBytes, ActorRef<DynoEntity.Command> dyno)
      implements Command {}

  /**
   * A dyno entity that (re)started asks after a process its journal names: answered with
   * {@link DynoEntity.ProcessLaunched} (and {@link DynoEntity.ProcessUp} if it serves) when the
   * process runs here, {@link DynoEntity.NotRunning} when it does not; later reports go to {@code dyno}.
   */
  public record Adopt(String runId, ActorRef<DynoEntity.Command> dyno) implements Command {}

  /**
   * SIGTERM, SIGKILL after {@code grace}. With {@code port > 0} the node's router first stops
   * sending the process requests and lets those in flight finish (up to the grace).
   */
  public record Stop(String runId, Duration grace, String appId, String dynoName, int port) implements Command {}

  /** What the node runs and may run, for placement and {@code GET /nodes}. */
  public record GetLoad(ActorRef<Load> replyTo) implements Command {}

  /**
   * Take no new dynos and ask every dyno with a process here to move it to another node (a web
   * dyno prebooting its new process first); answered with how many were asked.
   */
  public record Drain(skiff.actors.Cause cause, ActorRef<Integer> replyTo) implements Command {}

  /**
   * Run a one-off dyno here as {@code runId}: answered with {@link OneOffs.Launched} (its attach
   * URL, this node's) or {@link OneOffs.LaunchFailed}; then {@link OneOffs.RunUp} and
   * {@link OneOffs.RunEnded} go to {@code oneOffs}.
   */
  public record RunOneOff(String runId, OneOffSpec spec, ActorRef<OneOffs.Command> oneOffs) implements Command {}

  /**
   * An app's one-off entity that (re)started asks after a run its journal names: nothing is said
   * while it runs here, {@link OneOffs.RunGone} if not.
   */
  public record CheckOneOff(String runId, ActorRef<OneOffs.Command> oneOffs) implements Command {}

  /** {@code capacity} 0: no limit of that kind; a draining node has room for nothing. */
  public record Load(String node, int dynos, long memoryBytes, NodeCapacity capacity, boolean draining)
      implements CborSerializable {
    public boolean hasRoomFor(long moreMemory) {
      return !draining && (capacity.dynos() == 0 || dynos < capacity.dynos())
          && (capacity.memoryBytes() == 0 || memoryBytes + moreMemory <= capacity.memoryBytes());
    }
  }

  private record Started(String runId, DynoRuntime.Started started) implements Command {}

  private record StartFailed(String runId, String reason) implements Command {}

  /** This node was downed (by the Split Brain Resolver, or an operator): its dynos must not run on. */
  private enum Downed implements Command { INSTANCE }

  /** Another node was downed: its agent's dynos are its entities' concern. */
  private enum NotDowned implements Command { INSTANCE }

  /** The agent's name is its node's, so a listing of agents says which node each one runs. */
  public static String actorName(String node) {
    return NAME_PREFIX + URLEncoder.encode(node, StandardCharsets.UTF_8);
  }

  /** The node an agent runs, from its name; empty for any other actor. */
  public static java.util.Optional<String> nodeOf(ActorRef<?> agent) {
    String name = agent.path().name();
    return name.startsWith(NAME_PREFIX)
        ? java.util.Optional.of(URLDecoder.decode(name.substring(NAME_PREFIX.length()), StandardCharsets.UTF_8))
        : java.util.Optional.empty();
  }

  public static Behavior<Command> create(DynoRuntime runtime, DynoWatcher router, NodeCapacity capacity,
      Executor blocking) {
    return create(runtime, router, capacity, blocking, OneOffLauncher.NONE);
  }

  /** An agent that runs one-off dynos through {@code oneOffs} as well. */
  public static Behavior<Command> create(DynoRuntime runtime, DynoWatcher router, NodeCapacity capacity,
      Executor blocking, OneOffLauncher oneOffs) {
    return Behaviors.setup(ctx -> {
      ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
      if (ctx.getSystem().settings().config().getString("pekko.actor.provider").equals("cluster")) {
        org.apache.pekko.cluster.typed.Cluster cluster = org.apache.pekko.cluster.typed.Cluster.get(ctx.getSystem());
        cluster.subscriptions().tell(org.apache.pekko.cluster.typed.Subscribe.create(
            ctx.messageAdapter(org.apache.pekko.cluster.ClusterEvent.MemberDowned.class,
                downed -> downed.member().equals(cluster.selfMember()) ? Downed.INSTANCE : NotDowned.INSTANCE),
            org.apache.pekko.cluster.ClusterEvent.MemberDowned.class));
      }
      return new DynoAgent(ctx, runtime, router, capacity, blocking, oneOffs).behavior();
    });
  }

  /** A process this node runs for a dyno, and who hears about it. */
  private static final class Run {
    final long memoryBytes;
    volatile ActorRef<DynoEntity.Command> dyno;
    volatile DynoRuntime.Started started;
    volatile boolean up;
    volatile boolean stopRequested;
    volatile Duration stopGrace;

    Run(long memoryBytes, ActorRef<DynoEntity.Command> dyno) {
      this.memoryBytes = memoryBytes;
      this.dyno = dyno;
    }
  }

  private final ActorContext<Command> ctx;
  private final DynoRuntime runtime;
  private final DynoWatcher router;
  private final NodeCapacity capacity;
  private final Executor blocking;
  /** Read by the runtime's listener threads as well as the actor. */
  private final Map<String, Run> runs = new ConcurrentHashMap<>();
  private final OneOffLauncher oneOffs;
  private boolean draining;
  /** Who asked this node to drain, while it does. */
  private skiff.actors.Cause drainCause;

  private DynoAgent(ActorContext<Command> ctx, DynoRuntime runtime, DynoWatcher router, NodeCapacity capacity,
      Executor blocking, OneOffLauncher oneOffs) {
    this.ctx = ctx;
    this.oneOffs = oneOffs;
    this.runtime = runtime;
    this.router = router;
    this.capacity = capacity;
    this.blocking = blocking;
  }

  private Behavior<Command> behavior() {
    return Behaviors.receive(Command.class)
        .onMessage(Launch.class, this::launch)
        .onMessage(Started.class, this::started)
        .onMessage(StartFailed.class, this::startFailed)
        .onMessage(Adopt.class, this::adopt)
        .onMessage(Stop.class, this::stop)
        .onMessage(GetLoad.class, this::load)
        .onMessage(Drain.class, this::drain)
        .onMessage(RunOneOff.class, this::runOneOff)
        .onMessage(CheckOneOff.class, check -> {
          if (!oneOffs.running(check.runId())) {
            check.oneOffs().tell(new OneOffs.RunGone(check.runId()));
          }
          return Behaviors.same();
        })
        .onMessage(Downed.class, downed -> {
          // the rest of the cluster starts these dynos elsewhere shortly (down-removal-margin):
          // they stop now, not after a SIGTERM grace, so none runs twice for longer than that
          draining = true;
          stopAll(Duration.ZERO);
          oneOffs.stopAll();
          return Behaviors.same();
        })
        .onMessage(NotDowned.class, other -> Behaviors.same())
        .onSignal(PostStop.class, signal -> {
          // the node stops (or was downed): no process may outlive the agent that answers for it
          stopAll(Duration.ofSeconds(2));
          return Behaviors.same();
        })
        .build();
  }

  private Behavior<Command> runOneOff(RunOneOff run) {
    // what becomes of the run goes to the app's one-off entity wherever it is then (it may have
    // moved, or stopped and started again, during a long run), not to the incarnation that asked
    var app = org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding.get(ctx.getSystem())
        .entityRefFor(OneOffs.TYPE_KEY, run.spec().appId());
    OneOffLauncher.Outcome outcome = new OneOffLauncher.Outcome() {
      @Override
      public void up() {
        app.tell(new OneOffs.RunUp(run.runId()));
      }

      @Override
      public void ended(int status, String lastLine) {
        app.tell(new OneOffs.RunEnded(run.runId(), status, lastLine));
      }
    };
    // a start unpacks a slug: off the actor
    CompletableFuture.runAsync(() -> {
      try {
        run.oneOffs().tell(new OneOffs.Launched(run.runId(), oneOffs.launch(run.runId(), run.spec(), outcome)));
      } catch (Exception e) {
        run.oneOffs().tell(new OneOffs.LaunchFailed(run.runId(), String.valueOf(e.getMessage())));
      }
    }, blocking);
    return Behaviors.same();
  }

  private void stopAll(Duration grace) {
    Set.copyOf(runs.keySet()).forEach(runId -> runtime.stop(runId, grace));
  }

  private Load currentLoad() {
    long memory = runs.values().stream().mapToLong(r -> r.memoryBytes).sum();
    return new Load(runtime.node(), runs.size(), memory, capacity, draining);
  }

  private Behavior<Command> drain(Drain drain) {
    draining = true;
    drainCause = drain.cause();
    java.util.Set<ActorRef<DynoEntity.Command>> dynos = new java.util.HashSet<>();
    runs.values().forEach(run -> dynos.add(run.dyno));
    dynos.forEach(dyno -> dyno.tell(new DynoEntity.MoveOff(runtime.node(), drain.cause())));
    drain.replyTo().tell(dynos.size());
    return Behaviors.same();
  }

  private Behavior<Command> load(GetLoad get) {
    get.replyTo().tell(currentLoad());
    return Behaviors.same();
  }

  private Behavior<Command> launch(Launch launch) {
    Run known = runs.get(launch.runId());
    if (known != null) {
      known.dyno = launch.dyno();
      if (known.started != null) {
        launch.dyno().tell(new DynoEntity.ProcessLaunched(launch.runId(), known.started.port(),
            known.started.pid(), runtime.node()));
      }
      return Behaviors.same();
    }
    if (!currentLoad().hasRoomFor(launch.memoryQuotaBytes())) {
      launch.dyno().tell(new DynoEntity.LaunchFailed(launch.runId(), "node " + runtime.node()
          + (draining ? " is draining" : " is full (SKIFF_NODE_CAPACITY " + capacity + ")")));
      return Behaviors.same();
    }
    Run run = new Run(launch.memoryQuotaBytes(), launch.dyno());
    runs.put(launch.runId(), run);
    DynoSpec spec = launch.spec();
    DynoRuntime.Launch what = new DynoRuntime.Launch(launch.runId(), spec.appId(), spec.appName(), spec.name(),
        spec.slugChecksum(), spec.command(), spec.config(), spec.isWeb(), launch.memoryQuotaBytes(),
        DynoSizes.processLimit(spec.size()), skiff.actors.apps.Stacks.orDefault(spec.stack()));
    ActorRef<Command> self = ctx.getSelf();
    // starting unpacks a slug and waits for the sandbox: off the actor, many at once
    CompletableFuture.supplyAsync(() -> {
      try {
        return (Command) new Started(launch.runId(), runtime.start(what, listener()));
      } catch (Exception e) {
        return new StartFailed(launch.runId(), String.valueOf(e.getMessage()));
      }
    }, blocking).thenAccept(self::tell);
    return Behaviors.same();
  }

  private Behavior<Command> started(Started started) {
    Run run = runs.get(started.runId());
    if (run == null) {
      return Behaviors.same(); // it already exited
    }
    // told before `started` is set: the listener's "up" is only sent once it sees `started`, so it
    // never reaches the dyno ahead of the launch it belongs to
    run.dyno.tell(new DynoEntity.ProcessLaunched(started.runId(), started.started().port(),
        started.started().pid(), runtime.node()));
    run.started = started.started();
    if (run.up) {
      run.dyno.tell(new DynoEntity.ProcessUp(started.runId()));
    }
    if (run.stopRequested) {
      runtime.stop(started.runId(), run.stopGrace);
    }
    return Behaviors.same();
  }

  private Behavior<Command> startFailed(StartFailed failed) {
    Run run = runs.remove(failed.runId());
    if (run != null) {
      run.dyno.tell(new DynoEntity.LaunchFailed(failed.runId(), failed.reason()));
    }
    return Behaviors.same();
  }

  private Behavior<Command> adopt(Adopt adopt) {
    Run run = runs.get(adopt.runId());
    if (run == null) {
      adopt.dyno().tell(new DynoEntity.NotRunning(adopt.runId(), "node " + runtime.node() + " does not run it"));
      return Behaviors.same();
    }
    run.dyno = adopt.dyno();
    if (run.started != null) {
      adopt.dyno().tell(new DynoEntity.ProcessLaunched(adopt.runId(), run.started.port(), run.started.pid(),
          runtime.node()));
      if (run.up) {
        adopt.dyno().tell(new DynoEntity.ProcessUp(adopt.runId()));
      }
    }
    if (drainCause != null) {
      // an entity that moved (a rebalance) while this node drains missed the first word: its old
      // incarnation was told, and the drain would wait for this dyno for ever
      adopt.dyno().tell(new DynoEntity.MoveOff(runtime.node(), drainCause));
    }
    return Behaviors.same();
  }

  private Behavior<Command> stop(Stop stop) {
    Run run = runs.get(stop.runId());
    if (run == null) {
      return Behaviors.same();
    }
    if (run.started == null) {
      // still starting: stopped as soon as it is
      run.stopGrace = stop.grace();
      run.stopRequested = true;
      return Behaviors.same();
    }
    if (stop.port() <= 0 || stop.grace().isZero()) {
      runtime.stop(stop.runId(), stop.grace());
      return Behaviors.same();
    }
    router.drain(stop.appId(), stop.dynoName(), stop.port(), stop.grace())
        .whenComplete((drained, error) -> runtime.stop(stop.runId(), stop.grace()));
    return Behaviors.same();
  }

  private DynoRuntime.Listener listener() {
    return new DynoRuntime.Listener() {
      @Override
      public void up(String runId) {
        Run run = runs.get(runId);
        if (run != null) {
          run.up = true;
          if (run.started != null) {
            run.dyno.tell(new DynoEntity.ProcessUp(runId));
          }
        }
      }

      @Override
      public void exited(DynoRuntime.Exit exit) {
        Run run = runs.remove(exit.runId());
        if (run != null) {
          run.dyno.tell(new DynoEntity.ProcessExited(exit));
        }
      }

      @Override
      public void memory(String runId, long bytes) {
        Run run = runs.get(runId);
        if (run != null) {
          run.dyno.tell(new DynoEntity.MemorySampled(runId, bytes));
        }
      }
    };
  }
}
