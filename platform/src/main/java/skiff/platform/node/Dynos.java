package skiff.platform.node;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import skiff.actors.Cause;
import skiff.actors.apps.AppObserver;
import skiff.actors.apps.AppService;
import skiff.actors.builds.SlugStore;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;
import skiff.actors.dynos.DynoAgent;
import skiff.actors.dynos.DynoNodes;
import skiff.actors.dynos.DynoPolicy;
import skiff.actors.dynos.DynoWatcher;
import skiff.actors.dynos.FormationReconciler;
import skiff.actors.dynos.OneOffs;
import skiff.platform.dynos.OneOffDynos;
import skiff.platform.dynos.ProcessDynoRuntime;
import skiff.platform.logs.ClusterLogs;

/** The node's dyno manifold: the process runtime, the dyno entities and the formation reconciler. */
public record Dynos(ProcessDynoRuntime runtime, FormationReconciler reconciler, ClusterLogs logs, DynoNodes nodes,
    OneOffDynos oneOffs) {
  /** Heroku cycles dynos every 24 h plus up to 216 random minutes. */
  static final Duration CYCLE_JITTER = Duration.ofMinutes(216);

  /**
   * {@code router}: this node's router, which drains a process before it stops; {@code routing}:
   * where the dyno entities of this node publish their routing (to every node's router).
   */
  static Dynos start(ActorSystem<?> system, Settings settings, String nodeName, SlugStore slugs, DynoWatcher router,
      DynoWatcher routing, ClusterLogs logs,
      java.util.Optional<skiff.platform.stacks.StackImages> stacks,
      java.util.Optional<skiff.platform.sandbox.NodeNetwork> network) {
    ProcessDynoRuntime runtime;
    try {
      // built before any dyno entity starts: it first stops what a killed platform left running
      runtime = new ProcessDynoRuntime(nodeName, settings.home(), slugs, logs, settings.dynoPortFrom(), settings.dynoPortTo(),
          stacks, network);
    } catch (IOException e) {
      throw new SettingsException("cannot prepare the dyno directories in " + settings.home() + ": " + e.getMessage());
    }
    DynoPolicy policy = new DynoPolicy(settings.crashCooldown(), settings.bootTimeout(), settings.sigtermGrace(),
        settings.cycleInterval(), CYCLE_JITTER, settings.dynoMemoryBytes());
    // the node's executor of dyno decisions (drains go through this node's router), and its view
    // of every node's agent, which the dyno entities place their processes with
    OneOffDynos oneOffs = new OneOffDynos(runtime, logs, settings.dynoMemoryBytes(), settings.hostForClients());
    var agent = system.systemActorOf(DynoAgent.create(runtime, router, settings.nodeCapacity(),
            system.dispatchers().lookup(DispatcherSelector.fromConfig("skiff.dyno-dispatcher")), oneOffs),
        DynoAgent.actorName(nodeName), Props.empty());
    DynoNodes nodes = new DynoNodes(system, nodeName, agent);
    FormationReconciler.init(system, nodes, policy, logs, routing);
    OneOffs.init(system, nodes, settings.dynoMemoryBytes());
    CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(), "stop-dynos",
        () -> {
          runtime.close();
          network.ifPresent(skiff.platform.sandbox.NodeNetwork::close);
          return java.util.concurrent.CompletableFuture.completedFuture(Done.getInstance());
        });
    return new Dynos(runtime, new FormationReconciler(system, settings.askTimeout(), policy), logs,
        nodes, oneOffs);
  }

  /**
   * Tells every app's dynos what to run, catching up on anything a crash kept from being said, and
   * the observer (the router's table) what every app looks like.
   */
  void convergeAll(AppService apps, AppObserver observer) {
    apps.list().thenAccept(all -> all.forEach(app -> {
      observer.changed(app);
      reconciler.converge(app, Cause.platform(Instant.now()));
    }));
  }
}
