package skiff.actors.dynos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import skiff.actors.Cause;
import skiff.actors.apps.AppEntity.LiveApp;
import skiff.actors.apps.DynoScheduler;
import skiff.actors.apps.FormationEntry;
import skiff.actors.apps.Slug;

/**
 * Turns (current release, formation) into the set of dynos that should run and tells each dyno
 * entity: {@code Run} for web.1…web.N of every process type, {@code Retire} for indices above N up
 * to the most the app ever ran. Dyno entities are remembered by sharding, so after a restart or a
 * lost node they come back on their own; this only has to say what changed.
 */
public final class FormationReconciler implements DynoScheduler {
  /** Process types that never run as formation dynos. */
  public static final List<String> NOT_FORMATION = List.of("release");

  private final ClusterSharding sharding;
  private final Duration timeout;
  private final org.apache.pekko.actor.typed.ActorRef<DynoEntity.Reply> ignore;
  private final DynoPolicy policy;

  public FormationReconciler(ActorSystem<?> system, Duration timeout, DynoPolicy policy) {
    this.sharding = ClusterSharding.get(system);
    this.timeout = timeout;
    this.ignore = system.ignoreRef();
    this.policy = policy;
  }

  /** Dyno entities place their processes on the nodes {@code nodes} lists and tell the routers through {@code watcher}. */
  public static void init(ActorSystem<?> system, DynoNodes nodes, DynoPolicy policy, LogSink logs,
      DynoWatcher watcher) {
    ClusterSharding.get(system).init(Entity.of(DynoEntity.TYPE_KEY, ctx -> DynoEntity.create(ctx.getEntityId(),
            nodes, policy, logs, watcher, java.time.Instant::now, ctx.getShard()))
        // remembered: after a restart or a lost node, sharding starts every dyno again by itself
        .withSettings(org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings.create(system)
            .withRememberEntities(true))
        .withEntityProps(org.apache.pekko.actor.typed.DispatcherSelector.fromConfig("skiff.dyno-dispatcher")));
  }

  public EntityRef<DynoEntity.Command> dyno(String appId, String name) {
    return sharding.entityRefFor(DynoEntity.TYPE_KEY, DynoEntity.entityId(appId, name));
  }

  /** The dyno names the app should have, by type, in order. */
  public static List<String> desiredNames(LiveApp app) {
    List<String> names = new ArrayList<>();
    if (app.currentSlugId() == null) {
      return names;
    }
    for (FormationEntry entry : app.visibleFormation()) {
      if (NOT_FORMATION.contains(entry.type())) {
        continue;
      }
      for (int i = 1; i <= entry.quantity(); i++) {
        names.add(entry.type() + "." + i);
      }
    }
    return names;
  }

  @Override
  public void converge(LiveApp app, Cause cause) {
    Slug slug = app.currentSlug();
    for (var high : app.dynoHighWater().entrySet()) {
      String type = high.getKey();
      FormationEntry entry = app.formation().get(type);
      boolean runs = slug != null && app.processTypes().containsKey(type) && !NOT_FORMATION.contains(type);
      int quantity = runs && entry != null ? entry.quantity() : 0;
      for (int i = 1; i <= quantity; i++) {
        DynoSpec spec = new DynoSpec(app.id(), app.name(), type, i, app.currentVersion(), slug.checksum(),
            app.processTypes().get(type), app.config(), entry.size(), skiff.actors.apps.Stacks.orDefault(slug.stack()));
        dyno(app.id(), spec.name()).tell(new DynoEntity.Run(spec, cause, ignore));
      }
      for (int i = quantity + 1; i <= high.getValue(); i++) {
        dyno(app.id(), type + "." + i).tell(new DynoEntity.Retire(cause, ignore));
      }
    }
  }

  /**
   * The release phase: the release's {@code release} command as a one-off {@code release.N} dyno
   * with the release's slug and config vars, run by the app's one-off entity (numbered, placed on
   * any node, journaled, listed by ps). One-off dynos are never restarted; its exit decides, and
   * reaches the app's entity through sharding.
   */
  @Override
  public void runReleasePhase(LiveApp app, skiff.actors.apps.ReleaseRecord release, Cause cause) {
    Slug slug = app.slugs().get(release.slugId());
    sharding.entityRefFor(OneOffs.TYPE_KEY, app.id()).tell(new OneOffs.StartReleasePhase(app.name(),
        slug.checksum(), skiff.actors.apps.Stacks.orDefault(slug.stack()), release.processTypes().get("release"),
        release.config(), release.version(), cause));
  }

  @Override
  public void checkReleasePhase(String appId, int version) {
    sharding.entityRefFor(OneOffs.TYPE_KEY, appId).tell(new OneOffs.CheckReleasePhase(version));
  }

  @Override
  public void retireAll(String appId, Map<String, Integer> highWater, Cause cause) {
    highWater.forEach((type, high) -> {
      for (int i = 1; i <= high; i++) {
        dyno(appId, type + "." + i).tell(new DynoEntity.Retire(cause, ignore));
      }
    });
  }

  /** Each dyno's view, in the order of {@link #desiredNames}. */
  public CompletionStage<List<DynoEntity.DynoView>> views(LiveApp app) {
    List<CompletableFuture<DynoEntity.DynoView>> asks = new ArrayList<>();
    for (String name : desiredNames(app)) {
      asks.add(dyno(app.id(), name).<DynoEntity.Reply>ask(DynoEntity.Get::new, timeout)
          .thenApply(reply -> ((DynoEntity.Status) reply).dyno()).toCompletableFuture());
    }
    return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new))
        .thenApply(v -> asks.stream().map(CompletableFuture::join).toList());
  }

  public void idle(String appId, String dynoName, Cause cause) {
    dyno(appId, dynoName).tell(new DynoEntity.Idle(cause));
  }

  public void wake(String appId, String dynoName, Cause cause) {
    dyno(appId, dynoName).tell(new DynoEntity.Wake(cause));
  }

  /**
   * Restarts {@code names} one after the other: the next one only once the last one's new process
   * is up (a web dyno prebooting its new process), or after the boot timeout, so an app never has
   * fewer processes serving than before. Answers when the first restart is under way; the rest
   * follow on their own.
   */
  public CompletionStage<Void> restartInTurn(String appId, List<String> names, Cause cause) {
    if (names.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<DynoEntity.DynoView> first = restart(appId, names.get(0), cause).toCompletableFuture();
    CompletionStage<Void> turn = first.thenCompose(view -> awaitReplaced(appId, view, deadline()));
    for (String name : names.subList(1, names.size())) {
      turn = turn.thenCompose(done -> restart(appId, name, cause))
          .thenCompose(view -> awaitReplaced(appId, view, deadline()));
    }
    return first.thenApply(view -> null);
  }

  private long deadline() {
    return System.nanoTime() + policy.bootTimeout().plusSeconds(5).toNanos();
  }

  /** Completes once the dyno runs a process other than the one {@code before} showed, up, or at the deadline. */
  private CompletionStage<Void> awaitReplaced(String appId, DynoEntity.DynoView before, long deadline) {
    return dyno(appId, before.name()).<DynoEntity.Reply>ask(DynoEntity.Get::new, timeout)
        .thenApply(reply -> ((DynoEntity.Status) reply).dyno())
        .exceptionally(error -> null)
        .thenCompose(now -> {
          boolean replaced = now != null && now.state().equals("up") && now.pid() != before.pid();
          if (replaced || System.nanoTime() - deadline >= 0) {
            return CompletableFuture.completedFuture(null);
          }
          // checked again shortly, on the timer's own thread: the check is one message to the entity
          return CompletableFuture.supplyAsync(() -> null,
              CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS, Runnable::run))
              .thenCompose(later -> awaitReplaced(appId, before, deadline));
        });
  }

  public CompletionStage<DynoEntity.DynoView> restart(String appId, String name, Cause cause) {
    return dyno(appId, name).<DynoEntity.Reply>ask(r -> new DynoEntity.Restart(cause, r), timeout)
        .thenApply(reply -> ((DynoEntity.Status) reply).dyno());
  }
}
