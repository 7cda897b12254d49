package skiff.actors.apps;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReplyBuilder;
import org.apache.pekko.persistence.typed.javadsl.EffectBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;
import skiff.actors.Cause;
import skiff.actors.builds.BuildRecord;
import skiff.persistence.CborSerializable;
import skiff.persistence.JournalName;
import skiff.persistence.secrets.HoldsSecrets;
import skiff.persistence.secrets.Keyring;
import skiff.persistence.secrets.SecretValues;

/**
 * One app: its name, settings, config vars, formation and the releases it has issued. It owns
 * the release counter, so release numbers never repeat or skip; each issued release is handed to
 * its own {@link ReleaseEntity} through the {@link ReleaseLedger} before the caller hears back.
 * While a hand-over is in flight the app stashes other requests, so at most the latest release can
 * be unconfirmed; recovery hands that one over again (recording is idempotent) before serving.
 */
public final class AppEntity
    extends EventSourcedBehaviorWithEnforcedReplies<AppEntity.Command, AppEntity.Event, AppEntity.State> {

  public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, "App");
  public static final int MAX_QUANTITY = 100;
  /** Heroku's limit: at most 100 dynos per app, all process types together. */
  public static final int MAX_DYNOS = 100;
  /** More types than dynos could never all run; Heroku documents no number of its own. */
  public static final int MAX_PROCESS_TYPES = 100;
  private static final Duration LEDGER_RETRY = Duration.ofSeconds(1);

  // ---- commands ----------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  /** A command from outside the entity: it always gets a reply. */
  public sealed interface Request extends Command {
    ActorRef<Reply> replyTo();
  }

  public record Create(String name, String owner, String region, String stack, Cause cause, ActorRef<Reply> replyTo)
      implements Request {}

  public record Get(ActorRef<Reply> replyTo) implements Request {}

  public record Rename(String newName, Cause cause, ActorRef<Reply> replyTo) implements Request {}

  public record SetMaintenance(boolean on, Cause cause, ActorRef<Reply> replyTo) implements Request {}

  public record SetBuildStack(String stack, Cause cause, ActorRef<Reply> replyTo) implements Request {}

  /** A config-vars PATCH: {@code set} adds or replaces, {@code unset} removes; one release for all of it. */
  public record ChangeConfig(Map<String, String> set, List<String> unset, Cause cause, ActorRef<Reply> replyTo)
      implements Request {}

  public record RegisterSlug(Slug slug, Cause cause, ActorRef<Reply> replyTo) implements Request {}

  /** Release a registered slug with the current config vars. */
  public record Deploy(String slugId, String description, Cause cause, ActorRef<Reply> replyTo) implements Request {}

  /** Issue a new release with the slug and config vars of an earlier one (looked up by the caller). */
  public record Rollback(ReleaseRecord target, Cause cause, ActorRef<Reply> replyTo) implements Request {}

  /**
   * {@code clusterRoom}: how many more dynos the cluster's nodes have room for (their
   * SKIFF_NODE_CAPACITY) as this node sees it now; -1 when no node is limited.
   */
  public record Scale(List<FormationUpdate> updates, Cause cause, long clusterRoom, ActorRef<Reply> replyTo)
      implements Request {}

  /** What bringing the app back to {@code then} (its state at {@code to}, replayed from the journal) would change. */
  public record PlanRestore(LiveApp then, Instant to, ActorRef<Reply> replyTo) implements Request {}

  /**
   * Brings the app back to {@code then}: every change as an ordinary event. Refused unless the plan
   * is still {@code expected}, the one the caller was shown and whose domains it has claimed.
   */
  public record Restore(LiveApp then, RestorePlan expected, Cause cause, ActorRef<Reply> replyTo)
      implements Request {}

  public record Destroy(Cause cause, ActorRef<Reply> replyTo) implements Request {}

  /** A custom domain the router should send to this app (its uniqueness is the directory's business). */
  public record AddDomain(String hostname, Cause cause, ActorRef<Reply> replyTo) implements Request {}

  public record RemoveDomain(String hostname, Cause cause, ActorRef<Reply> replyTo) implements Request {}

  /** A log drain: syslog://, syslog+tls://, http:// or https://; at most {@link #MAX_DRAINS}. */
  public record AddDrain(String url, Cause cause, ActorRef<Reply> replyTo) implements Request {}

  /** Gives an account access to the app (or changes what it may do). */
  public record SetCollaborator(String email, List<String> permissions, Cause cause, ActorRef<Reply> replyTo)
      implements Request {}

  public record RemoveCollaborator(String email, Cause cause, ActorRef<Reply> replyTo) implements Request {}

  /** Hands the app to another account ({@code email}) or a team ({@code team:NAME}). */
  public record Transfer(String owner, Cause cause, ActorRef<Reply> replyTo) implements Request {}

  /** Removes the drain with this id (d.…) or URL. */
  public record RemoveDrain(String idOrUrl, Cause cause, ActorRef<Reply> replyTo) implements Request {}

  /** A build begins; refused while another build of the app runs, so builds never interleave. */
  public record StartBuild(BuildRecord build, String ref, Cause cause, ActorRef<Reply> replyTo) implements Request {}

  /** The build produced this slug: register it and release it with the current config vars. */
  public record FinishBuild(String buildId, Slug slug, Cause cause, ActorRef<Reply> replyTo) implements Request {}

  public record FailBuild(String buildId, String stage, String reason, Cause cause, ActorRef<Reply> replyTo)
      implements Request {}

  /** After a restart a build that was running is gone with the old process; say so in the journal. */
  record AbandonBuild(String buildId) implements Command {}

  /**
   * The release command of a pending release ended ({@code status} 0 = success; -1 = never ran to
   * the end). Sent by the app's one-off entity through sharding, so it reaches this app wherever
   * its entity lives by then, even one passivated or moved while the command ran.
   */
  public record ReleasePhaseEnded(int version, int status, String reason) implements Command {}

  /** The ledger's answer about an issued release; {@code replyTo} is the caller still waiting, if any. */
  record LedgerAnswered(int version, String failure, ActorRef<Reply> replyTo) implements Command {}

  record RetryLedger(int version, ActorRef<Reply> replyTo) implements Command {}

  // ---- replies -----------------------------------------------------------------------------

  public sealed interface Reply extends CborSerializable permits Accepted, Planned, Rejection {}

  /** The app as it is after the command; {@code release} is the release the command issued, if any. */
  public record Accepted(LiveApp app, ReleaseRecord release) implements Reply {}

  public record Planned(RestorePlan plan) implements Reply {}

  // ---- events ------------------------------------------------------------------------------

  public sealed interface Event extends CborSerializable {
    Cause cause();
  }

  @JournalName("app.created")
  public record AppCreated(String appId, String name, String owner, String region, String stack, Cause cause)
      implements Event {}

  @JournalName("app.renamed")
  public record AppRenamed(String from, String to, Cause cause) implements Event {}

  @JournalName("app.maintenance-changed")
  public record MaintenanceChanged(boolean on, Cause cause) implements Event {}

  @JournalName("app.build-stack-changed")
  public record BuildStackChanged(String stack, Cause cause) implements Event {}

  @JournalName("app.config-vars-changed")
  public record ConfigVarsChanged(String appId, @SecretValues Map<String, String> set, List<String> unset, Cause cause)
      implements Event, HoldsSecrets {
    @Override
    public String secretsOwner() {
      return appId;
    }
  }

  @JournalName("app.slug-registered")
  public record SlugRegistered(Slug slug, Cause cause) implements Event {}

  @JournalName("app.rolled-back")
  public record RolledBack(int toVersion, Cause cause) implements Event {}

  @JournalName("app.release-issued")
  public record ReleaseIssued(ReleaseRecord release, Cause cause) implements Event {}

  @JournalName("app.formation-changed")
  public record FormationChanged(List<FormationEntry> entries, Cause cause) implements Event {}

  @JournalName("app.destroyed")
  public record AppDestroyed(Cause cause) implements Event {}

  @JournalName("app.domain-added")
  public record DomainAdded(String hostname, Cause cause) implements Event {}

  @JournalName("app.domain-removed")
  public record DomainRemoved(String hostname, Cause cause) implements Event {}

  @JournalName("app.drain-added")
  public record DrainAdded(LogDrain drain, Cause cause) implements Event {}

  @JournalName("app.collaborator-set")
  public record CollaboratorSet(String email, List<String> permissions, Cause cause) implements Event {}

  @JournalName("app.collaborator-removed")
  public record CollaboratorRemoved(String email, Cause cause) implements Event {}

  @JournalName("app.transferred")
  public record Transferred(String from, String to, Cause cause) implements Event {}

  @JournalName("app.drain-removed")
  public record DrainRemoved(String drainId, Cause cause) implements Event {}

  /** A git push arrived at the app's repository. */
  @JournalName("app.push-received")
  public record PushReceived(String commit, String ref, Cause cause) implements Event {}

  @JournalName("app.build-started")
  public record BuildStarted(BuildRecord build, Cause cause) implements Event {}

  @JournalName("app.build-succeeded")
  public record BuildSucceeded(String buildId, Slug slug, int releaseVersion, Cause cause) implements Event {}

  @JournalName("app.build-failed")
  public record BuildFailed(String buildId, String stage, String reason, Cause cause) implements Event {}

  /** The release phase of a pending release succeeded: it goes live now. */
  /**
   * Slugs the app no longer keeps (the oldest beyond {@link LiveApp#SLUGS_KEPT}): they leave its
   * state, their releases can no longer be rolled back to, and their files are collected.
   */
  @JournalName("app.slugs-retired")
  public record SlugsRetired(List<String> slugIds, Cause cause) implements Event {}

  @JournalName("app.release-activated")
  public record ReleaseActivated(int version, Cause cause) implements Event {}

  /** The release phase failed: the release stays failed and the previous one keeps running. */
  @JournalName("app.release-phase-failed")
  public record ReleasePhaseFailed(int version, int status, String reason, Cause cause) implements Event {}

  // ---- state -------------------------------------------------------------------------------

  public sealed interface State extends CborSerializable {}

  @JournalName("app.state.none")
  public record NoApp() implements State {}

  @JournalName("app.state.destroyed")
  public record DestroyedApp(String appId, String name, Instant destroyedAt) implements State {}

  /** A live app. Immutable: every event handler returns a new value. */
  @JournalName(value = "app.state.live", migration = AppStateMigration.class)
  public record LiveApp(
      String id,
      String name,
      String owner,
      String region,
      String stack,
      String buildStack,
      boolean maintenance,
      Instant createdAt,
      Instant updatedAt,
      Instant releasedAt,
      @SecretValues Map<String, String> config,
      Map<String, FormationEntry> formation,
      int currentVersion,
      String currentSlugId,
      Map<String, String> processTypes,
      Map<String, Slug> slugs,
      ReleaseRecord latestRelease,
      List<BuildRecord> builds,
      String runningBuildId,
      Map<String, Integer> dynoHighWater,
      int pendingVersion,
      List<String> customDomains,
      List<LogDrain> drains,
      Map<String, List<String>> collaborators)
      implements State, HoldsSecrets {
    /** Builds kept in the app's state for the builds API; the journal keeps every one. */
    public static final int BUILDS_KEPT = 100;
    /**
     * Slugs kept in the app's state, newest first (plus the running one): an app's state, and each of
     * its snapshots, no longer grows with every push; older releases cannot be rolled back to.
     */
    public static final int SLUGS_KEPT = 50;

    @Override
    public String secretsOwner() {
      return id;
    }

    public LiveApp {
      config = Map.copyOf(config);
      formation = Map.copyOf(formation);
      processTypes = Map.copyOf(processTypes);
      slugs = Map.copyOf(slugs);
      builds = List.copyOf(builds);
      dynoHighWater = Map.copyOf(dynoHighWater);
      customDomains = List.copyOf(customDomains);
      drains = List.copyOf(drains);
      collaborators = Map.copyOf(collaborators);
    }

    /** The newest version issued, live or not; versions run from 1 without gaps. */
    public int lastVersion() {
      return latestRelease == null ? 0 : latestRelease.version();
    }

    public boolean hasRelease(int version) {
      return version >= 1 && version <= lastVersion();
    }

    /** The id of a release of this app (ids are derived from the version). */
    public String releaseId(int version) {
      return ReleaseRecord.idFor(id, version);
    }

    public java.util.Optional<BuildRecord> build(String buildId) {
      return builds.stream().filter(b -> b.id().equals(buildId)).findFirst();
    }

    public Slug currentSlug() {
      return currentSlugId == null ? null : slugs.get(currentSlugId);
    }

    /** The formation as clients see it: one entry per process type of the current release. */
    public List<FormationEntry> visibleFormation() {
      List<FormationEntry> out = new ArrayList<>();
      for (String type : new TreeSet<>(processTypes.keySet())) {
        FormationEntry entry = formation.get(type);
        out.add(entry != null ? entry : new FormationEntry(type, 0, DynoSizes.DEFAULT, createdAt));
      }
      return out;
    }

    /** The version for a release id, or -1; newest first, as recent releases are the ones asked for. */
    public int versionOf(String releaseId) {
      for (int version = lastVersion(); version >= 1; version--) {
        if (releaseId(version).equals(releaseId)) {
          return version;
        }
      }
      return -1;
    }

    LiveApp touched(Instant at) {
      return with(b -> b.updatedAt = at);
    }

    LiveApp with(java.util.function.Consumer<Builder> change) {
      Builder b = new Builder(this);
      change.accept(b);
      return b.build();
    }
  }

  /**
   * Mutable copy of a LiveApp used only inside event handlers to derive the next value. Slugs, the
   * one collection that grows with the app's age, are copied only by the events that change them.
   */
  static final class Builder {
    String id, name, owner, region, stack, buildStack, currentSlugId;
    boolean maintenance;
    Instant createdAt, updatedAt, releasedAt;
    Map<String, String> config, processTypes;
    Map<String, FormationEntry> formation;
    int currentVersion;
    private Map<String, Slug> slugs;
    private boolean slugsCopied;
    ReleaseRecord latestRelease;
    List<BuildRecord> builds;
    String runningBuildId;
    Map<String, Integer> dynoHighWater;
    int pendingVersion;
    List<String> customDomains;
    List<LogDrain> drains;
    Map<String, List<String>> collaborators;

    Builder(LiveApp a) {
      id = a.id; name = a.name; owner = a.owner; region = a.region; stack = a.stack; buildStack = a.buildStack;
      maintenance = a.maintenance; createdAt = a.createdAt; updatedAt = a.updatedAt; releasedAt = a.releasedAt;
      config = new HashMap<>(a.config); formation = new HashMap<>(a.formation);
      currentVersion = a.currentVersion; currentSlugId = a.currentSlugId;
      processTypes = new HashMap<>(a.processTypes);
      slugs = a.slugs; latestRelease = a.latestRelease;
      builds = new ArrayList<>(a.builds); runningBuildId = a.runningBuildId;
      dynoHighWater = new HashMap<>(a.dynoHighWater); pendingVersion = a.pendingVersion;
      customDomains = new ArrayList<>(a.customDomains); drains = new ArrayList<>(a.drains);
      collaborators = new HashMap<>(a.collaborators);
    }

    Map<String, Slug> slugs() {
      if (!slugsCopied) {
        slugs = new HashMap<>(slugs);
        slugsCopied = true;
      }
      return slugs;
    }

    LiveApp build() {
      return new LiveApp(id, name, owner, region, stack, buildStack, maintenance, createdAt, updatedAt, releasedAt,
          config, formation, currentVersion, currentSlugId, processTypes, slugs, latestRelease, builds, runningBuildId,
          dynoHighWater, pendingVersion, customDomains, drains, collaborators);
    }
  }

  // ---- wiring ------------------------------------------------------------------------------

  public static void init(ActorSystem<?> system, ReleaseLedger ledger, DynoScheduler scheduler,
      AppObserver observer) {
    ClusterSharding.get(system).init(Entity.of(TYPE_KEY,
        ctx -> create(ctx.getEntityId(), ledger, scheduler, observer, Instant::now)));
  }

  public static Behavior<Command> create(String appId, ReleaseLedger ledger, DynoScheduler scheduler,
      AppObserver observer, Supplier<Instant> clock) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
        new AppEntity(appId, ledger, scheduler, observer, clock, ctx, timers)));
  }

  /**
   * The app as its events up to some point make it: the same event handlers as recovery, with no
   * effects, so a past state computed from the journal is exactly what the app was.
   */
  public static State replay(String appId, List<Event> events) {
    BiFunction<State, Event, State> handler = eventApplier(appId);
    State state = new NoApp();
    for (Event e : events) {
      state = handler.apply(state, e);
    }
    return state;
  }

  /** The app's event handler on its own, for rebuilding an app's state outside its entity. */
  public static BiFunction<State, Event, State> eventApplier(String appId) {
    EventHandler<State, Event> handler = new AppEntity(appId, null, DynoScheduler.NONE, AppObserver.NONE,
        Instant::now, null, null).eventHandler();
    return handler::apply;
  }

  public static String tag(String appId) {
    return "app:" + appId;
  }

  private final String appId;
  private final ReleaseLedger ledger;
  private final DynoScheduler scheduler;
  private final AppObserver observer;
  private final Supplier<Instant> clock;
  private final ActorContext<Command> ctx;
  private final TimerScheduler<Command> timers;
  /** A release is on its way to its entity; requests wait in the stash until it has arrived. */
  private boolean handingOver;

  private AppEntity(String appId, ReleaseLedger ledger, DynoScheduler scheduler, AppObserver observer,
      Supplier<Instant> clock, ActorContext<Command> ctx, TimerScheduler<Command> timers) {
    super(PersistenceId.of(TYPE_KEY.name(), appId),
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1));
    this.appId = appId;
    this.ledger = ledger;
    this.scheduler = scheduler;
    this.observer = observer;
    this.clock = clock;
    this.ctx = ctx;
    this.timers = timers;
  }

  @Override
  public State emptyState() {
    return new NoApp();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return Set.of(tag(appId), "app");
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), state -> {
          // the latest release may have been issued just before a crash and never reached its entity
          if (state instanceof LiveApp app) {
            handOver(app.latestRelease(), null);
            if (app.runningBuildId() != null) {
              ctx.getSelf().tell(new AbandonBuild(app.runningBuildId()));
            }
            if (app.pendingVersion() != 0) {
              // the release command may still run (this entity was passivated or moved meanwhile):
              // its runner answers with the outcome, or ends it if it no longer runs
              scheduler.checkReleasePhase(app.id(), app.pendingVersion());
            }
          } else if (state instanceof DestroyedApp gone) {
            shredKey(gone.appId()); // in case the platform stopped between the destroy and the shredding
          }
        })
        .build();
  }

  // ---- command handlers --------------------------------------------------------------------

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    CommandHandlerWithReplyBuilder<Command, Event, State> builder = newCommandHandlerWithReplyBuilder();
    builder.forStateType(NoApp.class)
        .onCommand(Create.class, this::create)
        .onCommand(Request.class, (s, c) -> Effect().reply(c.replyTo(), Rejection.appNotFound()))
        .onAnyCommand((s, c) -> Effect().noReply());
    builder.forStateType(DestroyedApp.class)
        .onCommand(Request.class, (s, c) -> Effect().reply(c.replyTo(), Rejection.appNotFound()))
        .onAnyCommand((s, c) -> Effect().noReply());
    builder.forState(state -> handingOver)
        .onCommand(Request.class, (s, c) -> Effect().stash());
    builder.forStateType(LiveApp.class)
        .onCommand(Create.class, (s, c) -> Effect().reply(c.replyTo(),
            new Rejection("conflict", "App " + s.name() + " already exists.")))
        .onCommand(Get.class, (s, c) -> Effect().reply(c.replyTo(), new Accepted(s, null)))
        .onCommand(Rename.class, this::rename)
        .onCommand(SetMaintenance.class, this::setMaintenance)
        .onCommand(SetBuildStack.class, this::setBuildStack)
        .onCommand(ChangeConfig.class, this::changeConfig)
        .onCommand(RegisterSlug.class, this::registerSlug)
        .onCommand(Deploy.class, this::deploy)
        .onCommand(Rollback.class, this::rollback)
        .onCommand(Scale.class, this::scale)
        .onCommand(PlanRestore.class, (s, c) -> restoreProblem(s)
            .map(problem -> Effect().reply(c.replyTo(), problem))
            .orElseGet(() -> Effect().reply(c.replyTo(), new Planned(RestorePlan.between(s, c.then(), c.to())))))
        .onCommand(Restore.class, this::restore)
        .onCommand(Destroy.class, this::destroy)
        .onCommand(AddDomain.class, (s, c) -> s.customDomains().contains(c.hostname())
            ? Effect().reply(c.replyTo(), new Accepted(s, null))
            : persistAndReply(List.of(new DomainAdded(c.hostname(), c.cause())), c.replyTo()))
        .onCommand(AddDrain.class, this::addDrain)
        .onCommand(SetCollaborator.class, (s, c) -> c.email().equals(s.owner())
            ? Effect().reply(c.replyTo(), Rejection.invalid(c.email() + " owns " + s.name() + " already."))
            : c.permissions().equals(s.collaborators().get(c.email()))
                ? Effect().reply(c.replyTo(), new Accepted(s, null))
                : persistAndReply(List.of(new CollaboratorSet(c.email(), List.copyOf(c.permissions()), c.cause())),
                    c.replyTo()))
        .onCommand(RemoveCollaborator.class, (s, c) -> s.collaborators().containsKey(c.email())
            ? persistAndReply(List.of(new CollaboratorRemoved(c.email(), c.cause())), c.replyTo())
            : Effect().reply(c.replyTo(), Rejection.notFound(c.email() + " is not a collaborator on " + s.name() + ".")))
        .onCommand(Transfer.class, (s, c) -> c.owner().equals(s.owner())
            ? Effect().reply(c.replyTo(), new Accepted(s, null))
            : persistAndReply(List.of(new Transferred(s.owner(), c.owner(), c.cause())), c.replyTo()))
        .onCommand(RemoveDrain.class, (s, c) -> s.drains().stream()
            .filter(d -> d.id().equals(c.idOrUrl()) || d.url().equals(c.idOrUrl())).findFirst()
            .map(d -> persistAndReply(List.of(new DrainRemoved(d.id(), c.cause())), c.replyTo()))
            .orElseGet(() -> Effect().reply(c.replyTo(), Rejection.notFound("Couldn't find that drain ("
                + c.idOrUrl() + ")."))))
        .onCommand(RemoveDomain.class, (s, c) -> !s.customDomains().contains(c.hostname())
            ? Effect().reply(c.replyTo(), Rejection.notFound("Couldn't find that domain (" + c.hostname() + ")."))
            : persistAndReply(List.of(new DomainRemoved(c.hostname(), c.cause())), c.replyTo()))
        .onCommand(StartBuild.class, this::startBuild)
        .onCommand(FinishBuild.class, this::finishBuild)
        .onCommand(FailBuild.class, (s, c) -> failBuild(s, c.buildId(), c.stage(), c.reason(), c.cause(), c.replyTo()))
        .onCommand(ReleasePhaseEnded.class, this::releasePhaseEnded)
        .onCommand(AbandonBuild.class, (s, c) -> failBuild(s, c.buildId(), "interrupted",
            "The platform restarted while this build was running. Push again to build.",
            Cause.platform(clock.get()), null))
        .onCommand(LedgerAnswered.class, this::ledgerAnswered)
        .onCommand(RetryLedger.class, this::retryLedger);
    return builder.build();
  }

  private ReplyEffect<Event, State> create(NoApp state, Create c) {
    var problem = AppNames.problemWith(c.name());
    if (problem.isPresent()) {
      return Effect().reply(c.replyTo(), Rejection.invalid(problem.get()));
    }
    ReleaseRecord initial = new ReleaseRecord(appId, ReleaseRecord.idFor(appId, 1), 1, "Initial release", null,
        Map.of(), Map.of(), ReleaseRecord.SUCCEEDED, c.cause());
    return issue(List.of(new AppCreated(appId, c.name(), c.owner(), c.region(), c.stack(), c.cause())),
        initial, c.replyTo());
  }

  private ReplyEffect<Event, State> rename(LiveApp s, Rename c) {
    var problem = AppNames.problemWith(c.newName());
    if (problem.isPresent()) {
      return Effect().reply(c.replyTo(), Rejection.invalid(problem.get()));
    }
    if (c.newName().equals(s.name())) {
      return Effect().reply(c.replyTo(), new Accepted(s, null));
    }
    return persistAndReply(List.of(new AppRenamed(s.name(), c.newName(), c.cause())), c.replyTo());
  }

  private ReplyEffect<Event, State> setMaintenance(LiveApp s, SetMaintenance c) {
    if (s.maintenance() == c.on()) {
      return Effect().reply(c.replyTo(), new Accepted(s, null));
    }
    return persistAndReply(List.of(new MaintenanceChanged(c.on(), c.cause())), c.replyTo());
  }

  private ReplyEffect<Event, State> setBuildStack(LiveApp s, SetBuildStack c) {
    return persistAndReply(List.of(new BuildStackChanged(c.stack(), c.cause())), c.replyTo());
  }

  public static final int MAX_DRAINS = 5;

  private ReplyEffect<Event, State> addDrain(LiveApp s, AddDrain c) {
    var problem = LogDrain.problemWith(c.url());
    if (problem.isPresent()) {
      return Effect().reply(c.replyTo(), Rejection.invalid(problem.get()));
    }
    if (s.drains().stream().anyMatch(d -> d.url().equals(c.url()))) {
      return Effect().reply(c.replyTo(), Rejection.invalid("Drain " + c.url() + " is already on " + s.name() + "."));
    }
    if (s.drains().size() >= MAX_DRAINS) {
      return Effect().reply(c.replyTo(), Rejection.invalid(s.name() + " already has " + MAX_DRAINS
          + " drains, the most an app may have. Remove one first."));
    }
    LogDrain drain = new LogDrain("d." + UUID.randomUUID(), c.url(), c.cause().at());
    return persistAndReply(List.of(new DrainAdded(drain, c.cause())), c.replyTo());
  }

  private static java.util.Optional<Rejection> releaseInFlight(LiveApp s) {
    if (s.pendingVersion() == 0) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(new Rejection("conflict", "Release v" + s.pendingVersion() + " of " + s.name()
        + " is still running its release command. Try again when it has finished (skiff releases shows it)."));
  }

  private ReplyEffect<Event, State> changeConfig(LiveApp s, ChangeConfig c) {
    var releasing = releaseInFlight(s);
    if (releasing.isPresent()) {
      return Effect().reply(c.replyTo(), releasing.get());
    }
    for (var entry : c.set().entrySet()) {
      var problem = ConfigVarRules.problemWithName(entry.getKey())
          .or(() -> ConfigVarRules.problemWithValue(entry.getKey(), entry.getValue()));
      if (problem.isPresent()) {
        return Effect().reply(c.replyTo(), Rejection.invalid(problem.get()));
      }
    }
    Map<String, String> next = new HashMap<>(s.config());
    next.putAll(c.set());
    List<String> removed = c.unset().stream().filter(s.config()::containsKey).distinct().sorted().toList();
    removed.forEach(next::remove);
    var tooBig = ConfigVarRules.problemWithSize(next);
    if (tooBig.isPresent()) {
      return Effect().reply(c.replyTo(), Rejection.invalid(tooBig.get()));
    }
    if (c.set().isEmpty() && removed.isEmpty()) {
      return Effect().reply(c.replyTo(), new Accepted(s, null));
    }
    ReleaseRecord release = nextRelease(s, describeConfigChange(c.set().keySet(), removed), s.currentSlugId(),
        next, s.processTypes(), c.cause());
    return issue(List.of(new ConfigVarsChanged(s.id(), new TreeMap<>(c.set()), removed, c.cause())), release, c.replyTo());
  }

  static String describeConfigChange(Set<String> set, List<String> removed) {
    String setPart = set.isEmpty() ? "" : "Set " + String.join(", ", new TreeSet<>(set));
    String removePart = removed.isEmpty() ? "" : "emove " + String.join(", ", removed);
    if (setPart.isEmpty()) {
      return "R" + removePart + " config vars";
    }
    return removePart.isEmpty() ? setPart + " config vars" : setPart + " and r" + removePart + " config vars";
  }

  private ReplyEffect<Event, State> registerSlug(LiveApp s, RegisterSlug c) {
    if (c.slug().processTypes().size() > MAX_PROCESS_TYPES) {
      return Effect().reply(c.replyTo(), Rejection.invalid("The slug declares " + c.slug().processTypes().size()
          + " process types; at most " + MAX_PROCESS_TYPES + " are allowed."));
    }
    for (String type : c.slug().processTypes().keySet()) {
      if (!type.matches("[A-Za-z0-9_-]+")) {
        return Effect().reply(c.replyTo(), Rejection.invalid(
            "Process type '" + type + "' is invalid: use letters, digits, dashes and underscores."));
      }
    }
    List<Event> events = new ArrayList<>();
    events.add(new SlugRegistered(c.slug(), c.cause()));
    events.addAll(retiredSlugs(s, c.slug(), c.cause()));
    return persistAndReply(events, c.replyTo());
  }

  /** The oldest slugs beyond the newest {@link LiveApp#SLUGS_KEPT}, once {@code added} joins them. */
  static List<Event> retiredSlugs(LiveApp s, Slug added, Cause cause) {
    if (s.slugs().size() + 1 <= LiveApp.SLUGS_KEPT) {
      return List.of();
    }
    List<String> retired = s.slugs().values().stream()
        .filter(slug -> !slug.id().equals(s.currentSlugId()) && !slug.id().equals(added.id()))
        .sorted(java.util.Comparator.comparing(Slug::createdAt).thenComparing(Slug::id))
        .limit(s.slugs().size() + 1L - LiveApp.SLUGS_KEPT)
        .map(Slug::id).toList();
    return retired.isEmpty() ? List.of() : List.of(new SlugsRetired(retired, cause));
  }

  private ReplyEffect<Event, State> deploy(LiveApp s, Deploy c) {
    var releasing = releaseInFlight(s);
    if (releasing.isPresent()) {
      return Effect().reply(c.replyTo(), releasing.get());
    }
    Slug slug = s.slugs().get(c.slugId());
    if (slug == null) {
      return Effect().reply(c.replyTo(), Rejection.notFound("Couldn't find that slug (" + c.slugId() + ")."));
    }
    String description = c.description() != null && !c.description().isBlank() ? c.description()
        : "Deploy " + (slug.commit() != null && slug.commit().length() >= 7 ? slug.commit().substring(0, 7)
            : slug.id().substring(0, 8));
    ReleaseRecord release = nextRelease(s, description, slug.id(), s.config(), slug.processTypes(), c.cause());
    return issue(defaultFormationFor(s, slug.processTypes(), c.cause()), release, c.replyTo());
  }

  /** Heroku starts one web dyno the first time a release offers a web process type. */
  private static List<Event> defaultFormationFor(LiveApp s, Map<String, String> processTypes, Cause cause) {
    if (processTypes.containsKey("web") && !s.formation().containsKey("web")) {
      return List.of(new FormationChanged(List.of(new FormationEntry("web", 1, DynoSizes.DEFAULT, cause.at())), cause));
    }
    return List.of();
  }

  private ReplyEffect<Event, State> rollback(LiveApp s, Rollback c) {
    var releasing = releaseInFlight(s);
    if (releasing.isPresent()) {
      return Effect().reply(c.replyTo(), releasing.get());
    }
    ReleaseRecord target = c.target();
    if (!target.appId().equals(appId) || !s.hasRelease(target.version())) {
      return Effect().reply(c.replyTo(), Rejection.notFound("Couldn't find that release."));
    }
    if (!target.status().equals(ReleaseRecord.SUCCEEDED)) {
      return Effect().reply(c.replyTo(), Rejection.invalid("Release v" + target.version() + " " + target.status()
          + "; only a succeeded release can be rolled back to."));
    }
    if (target.slugId() != null && !s.slugs().containsKey(target.slugId())) {
      return Effect().reply(c.replyTo(), Rejection.invalid("v" + target.version() + "'s slug is no longer kept ("
          + s.name() + " keeps its newest " + LiveApp.SLUGS_KEPT + " slugs); push that commit again to deploy it."));
    }
    ReleaseRecord release = nextRelease(s, "Rollback to v" + target.version(), target.slugId(), target.config(),
        target.processTypes(), c.cause());
    List<Event> before = new ArrayList<>();
    before.add(new RolledBack(target.version(), c.cause()));
    before.addAll(defaultFormationFor(s, target.processTypes(), c.cause()));
    return issue(before, release, c.replyTo());
  }

  /** A restore waits for builds and release commands: it would race them for the current release. */
  private static java.util.Optional<Rejection> restoreProblem(LiveApp s) {
    var releasing = releaseInFlight(s);
    if (releasing.isPresent()) {
      return releasing;
    }
    if (s.runningBuildId() != null) {
      return java.util.Optional.of(buildRunning(s, "restore"));
    }
    return java.util.Optional.empty();
  }

  private static Rejection buildRunning(LiveApp s, String then) {
    BuildRecord running = s.build(s.runningBuildId()).orElseThrow();
    return new Rejection("conflict", "A build of " + s.name() + " is already running (started by " + running.user()
        + " at " + running.createdAt() + "). Wait for it to finish, then " + then + ".");
  }

  private ReplyEffect<Event, State> restore(LiveApp s, Restore c) {
    var problem = restoreProblem(s);
    if (problem.isPresent()) {
      return Effect().reply(c.replyTo(), problem.get());
    }
    RestorePlan plan = RestorePlan.between(s, c.then(), c.expected().to());
    if (!plan.equals(c.expected())) {
      return Effect().reply(c.replyTo(), new Rejection("conflict", s.name() + " changed while the restore was"
          + " being prepared. Run it again (--dry-run first) to see what it would change now."));
    }
    if (plan.isEmpty()) {
      return Effect().reply(c.replyTo(), new Accepted(s, null));
    }
    Cause cause = c.cause();
    List<Event> events = new ArrayList<>();
    if (plan.maintenance() != null) {
      events.add(new MaintenanceChanged(plan.maintenance(), cause));
    }
    if (plan.buildStack() != null) {
      events.add(new BuildStackChanged(plan.buildStack(), cause));
    }
    plan.domainsRemoved().forEach(host -> events.add(new DomainRemoved(host, cause)));
    plan.domainsAdded().forEach(host -> events.add(new DomainAdded(host, cause)));
    plan.drainsRemoved().forEach(drain -> events.add(new DrainRemoved(drain.id(), cause)));
    plan.drainsAdded().forEach(drain -> events.add(new DrainAdded(drain, cause)));
    if (!plan.formation().isEmpty()) {
      events.add(new FormationChanged(plan.formation().stream()
          .map(f -> new FormationEntry(f.type(), f.quantity(), f.size(), cause.at())).toList(), cause));
    }
    RestorePlan.ReleaseTarget target = plan.release();
    if (target == null) {
      return persistAndReply(events, c.replyTo());
    }
    if (!target.set().isEmpty() || !target.unset().isEmpty()) {
      events.add(new ConfigVarsChanged(s.id(), new TreeMap<>(target.set()), target.unset(), cause));
    }
    ReleaseRecord release = nextRelease(s, "Restore to " + plan.to(), target.slugId(), target.config(),
        target.processTypes(), cause);
    return issue(events, release, c.replyTo());
  }

  private ReplyEffect<Event, State> scale(LiveApp s, Scale c) {
    Map<String, FormationEntry> changed = new LinkedHashMap<>();
    for (FormationUpdate update : c.updates()) {
      if (update.type() == null || update.type().isBlank()) {
        return Effect().reply(c.replyTo(), Rejection.invalid("Each formation update needs a process type."));
      }
      if (!s.processTypes().containsKey(update.type())) {
        return Effect().reply(c.replyTo(), Rejection.notFound("Couldn't find that process type (" + update.type()
            + ")." + (s.processTypes().isEmpty() ? " The app has no process types yet: deploy it first."
                : " Process types: " + String.join(", ", new TreeSet<>(s.processTypes().keySet())) + ".")));
      }
      FormationEntry current = changed.getOrDefault(update.type(),
          s.formation().getOrDefault(update.type(), new FormationEntry(update.type(), 0, DynoSizes.DEFAULT, null)));
      int quantity = current.quantity();
      if (update.quantity() != null && !update.quantity().isBlank()) {
        try {
          quantity = applyQuantity(current.quantity(), update.quantity().trim());
        } catch (NumberFormatException e) {
          return Effect().reply(c.replyTo(), Rejection.invalid("Invalid quantity '" + update.quantity() + "' for "
              + update.type() + ": use a whole number such as 2, or +1 / -1 to change the current count."));
        }
        if (quantity < 0 || quantity > MAX_QUANTITY) {
          return Effect().reply(c.replyTo(), Rejection.invalid("Quantity for " + update.type() + " would be "
              + quantity + "; it must be between 0 and " + MAX_QUANTITY + "."));
        }
      }
      String size = current.size();
      if (update.size() != null && !update.size().isBlank()) {
        var canonical = DynoSizes.canonical(update.size().trim());
        if (canonical.isEmpty()) {
          return Effect().reply(c.replyTo(), Rejection.invalid("Unknown dyno size '" + update.size()
              + "'. Sizes: " + String.join(", ", DynoSizes.names()) + "."));
        }
        size = canonical.get();
      }
      changed.put(update.type(), new FormationEntry(update.type(), quantity, size, c.cause().at()));
    }
    if (changed.isEmpty()) {
      return Effect().reply(c.replyTo(), new Accepted(s, null));
    }
    Map<String, FormationEntry> after = new HashMap<>(s.formation());
    after.putAll(changed);
    int total = after.values().stream().filter(f -> s.processTypes().containsKey(f.type()))
        .mapToInt(FormationEntry::quantity).sum();
    if (total > MAX_DYNOS) {
      return Effect().reply(c.replyTo(), Rejection.invalid("That formation would run " + total + " dynos; an app"
          + " runs at most " + MAX_DYNOS + " across all its process types."));
    }
    int before = s.formation().values().stream().filter(f -> s.processTypes().containsKey(f.type()))
        .mapToInt(FormationEntry::quantity).sum();
    if (c.clusterRoom() >= 0 && s.currentSlugId() != null && total - before > c.clusterRoom()) {
      return Effect().reply(c.replyTo(), Rejection.invalid("The cluster is full: this change adds " + (total - before)
          + " dynos and the nodes have room for " + c.clusterRoom() + " more (SKIFF_NODE_CAPACITY). Scale another"
          + " app down, add a node, or raise a node's capacity."));
    }
    return persistAndReply(List.of(new FormationChanged(List.copyOf(changed.values()), c.cause())), c.replyTo());
  }

  /** {@code "3"} or {@code "=3"} sets, {@code "+1"} and {@code "-1"} change the current count. */
  private ReplyEffect<Event, State> startBuild(LiveApp s, StartBuild c) {
    var releasing = releaseInFlight(s);
    if (releasing.isPresent()) {
      return Effect().reply(c.replyTo(), releasing.get());
    }
    if (s.runningBuildId() != null) {
      return Effect().reply(c.replyTo(), buildRunning(s, "push again"));
    }
    List<Event> events = new ArrayList<>();
    if (c.build().sourceKind().equals("git")) {
      events.add(new PushReceived(c.build().version(), c.ref(), c.cause()));
    }
    events.add(new BuildStarted(c.build(), c.cause()));
    return persistAndReply(events, c.replyTo());
  }

  private ReplyEffect<Event, State> finishBuild(LiveApp s, FinishBuild c) {
    if (!c.buildId().equals(s.runningBuildId())) {
      return Effect().reply(c.replyTo(), new Rejection("conflict", "Build " + c.buildId() + " is not running."));
    }
    Slug slug = c.slug();
    String description = "Deploy " + (slug.commit() != null && slug.commit().length() >= 7
        ? slug.commit().substring(0, 7) : slug.id().substring(0, 8));
    ReleaseRecord release = nextRelease(s, description, slug.id(), s.config(), slug.processTypes(), c.cause());
    List<Event> events = new ArrayList<>();
    events.add(new BuildSucceeded(c.buildId(), slug, release.version(), c.cause()));
    events.addAll(retiredSlugs(s, slug, c.cause()));
    events.addAll(defaultFormationFor(s, slug.processTypes(), c.cause()));
    return issue(events, release, c.replyTo());
  }

  private ReplyEffect<Event, State> failBuild(LiveApp s, String buildId, String stage, String reason, Cause cause,
      ActorRef<Reply> replyTo) {
    if (!buildId.equals(s.runningBuildId())) {
      return replyTo == null ? Effect().noReply()
          : Effect().reply(replyTo, new Rejection("conflict", "Build " + buildId + " is not running."));
    }
    BuildFailed failed = new BuildFailed(buildId, stage, reason, cause);
    EffectBuilder<Event, State> effect = Effect().persist(failed)
        .thenRun(this::observe).thenRun(next -> reportBuild((LiveApp) next, failed));
    return replyTo == null ? effect.thenNoReply() : effect.thenReply(replyTo, next -> new Accepted((LiveApp) next, null));
  }

  static int applyQuantity(int current, String quantity) {
    if (quantity.startsWith("=")) {
      return Integer.parseInt(quantity.substring(1));
    }
    if (quantity.startsWith("+")) {
      return current + Integer.parseInt(quantity.substring(1));
    }
    if (quantity.startsWith("-")) {
      return current - Integer.parseInt(quantity.substring(1));
    }
    return Integer.parseInt(quantity);
  }

  private ReplyEffect<Event, State> destroy(LiveApp s, Destroy c) {
    return Effect().persist(new AppDestroyed(c.cause()))
        .thenRun(next -> shredKey(s.id()))
        .thenRun(next -> observer.destroyed(s))
        .thenRun(this::observe)
        .thenRun(next -> scheduler.retireAll(s.id(), s.dynoHighWater(), c.cause()))
        .thenReply(c.replyTo(), next -> new Accepted(s, null));
  }

  /**
   * Deletes the app's data key: every config value it ever had becomes unreadable in the journal,
   * snapshots, exports and backups made from now on, while the rest of its history stays.
   */
  private void shredKey(String id) {
    try {
      Keyring.get(ctx.getSystem()).shred(id);
    } catch (RuntimeException e) {
      ctx.getLog().error("could not delete the data key of destroyed app {}; retried at its next recovery: {}",
          id, e.getMessage());
    }
  }

  private ReplyEffect<Event, State> ledgerAnswered(LiveApp s, LedgerAnswered c) {
    if (c.failure() != null) {
      ctx.getLog().warn("release v{} of app {} not yet recorded ({}); retrying", c.version(), appId, c.failure());
      timers.startSingleTimer(new RetryLedger(c.version(), c.replyTo()), LEDGER_RETRY);
      return Effect().noReply();
    }
    handingOver = false;
    if (c.replyTo() == null) {
      return Effect().noReply().thenUnstashAll();
    }
    return Effect().reply(c.replyTo(), (Reply) new Accepted(s, s.latestRelease())).thenUnstashAll();
  }

  private ReplyEffect<Event, State> retryLedger(LiveApp s, RetryLedger c) {
    handOver(s.latestRelease(), c.replyTo());
    return Effect().noReply();
  }

  // ---- helpers -----------------------------------------------------------------------------

  private ReleaseRecord nextRelease(LiveApp s, String description, String slugId, Map<String, String> config,
      Map<String, String> processTypes, Cause cause) {
    // a release offering a `release` process type is pending until its release command succeeds
    String status = slugId != null && processTypes.containsKey("release") ? ReleaseRecord.PENDING
        : ReleaseRecord.SUCCEEDED;
    int version = s.lastVersion() + 1;
    return new ReleaseRecord(appId, ReleaseRecord.idFor(appId, version), version, description, slugId, config,
        processTypes, status, cause);
  }

  /** Persists the events and the release together; the caller hears back once the release's entity has it. */
  private ReplyEffect<Event, State> issue(List<Event> before, ReleaseRecord release, ActorRef<Reply> replyTo) {
    List<Event> events = new ArrayList<>(before);
    events.add(new ReleaseIssued(release, release.cause()));
    return Effect().persist(events).thenRun(this::observe).thenRun(next -> {
      for (Event e : before) {
        if (e instanceof FormationChanged changed) {
          observer.scaled((LiveApp) next, changed.entries(), changed.cause());
        }
        reportBuild((LiveApp) next, e);
      }
      observer.released((LiveApp) next, release);
      handOver(release, replyTo);
      if (release.status().equals(ReleaseRecord.PENDING)) {
        scheduler.runReleasePhase((LiveApp) next, release, release.cause());
      } else {
        scheduler.converge((LiveApp) next, release.cause());
      }
    }).thenNoReply();
  }

  private ReplyEffect<Event, State> releasePhaseEnded(LiveApp s, ReleasePhaseEnded c) {
    if (s.pendingVersion() != c.version()) {
      return Effect().noReply();
    }
    Cause cause = Cause.platform(clock.get());
    Event outcome = c.status() == 0 ? new ReleaseActivated(c.version(), cause)
        : new ReleasePhaseFailed(c.version(), c.status(), c.reason(), cause);
    return Effect().persist(outcome).thenRun(this::observe).thenRun(next -> {
      LiveApp app = (LiveApp) next;
      handOver(app.latestRelease(), null); // its entity learns the final status
      if (outcome instanceof ReleaseActivated) {
        scheduler.converge(app, cause);
      }
    }).thenNoReply();
  }

  private ReplyEffect<Event, State> persistAndReply(List<Event> events, ActorRef<Reply> replyTo) {
    return Effect().persist(events).thenRun(this::observe).thenRun(next -> {
      for (Event e : events) {
        if (e instanceof FormationChanged changed) {
          observer.scaled((LiveApp) next, changed.entries(), changed.cause());
          scheduler.converge((LiveApp) next, changed.cause());
        }
        reportBuild((LiveApp) next, e);
      }
    }).thenReply(replyTo, next -> new Accepted((LiveApp) next, null));
  }

  /** Tells the observer of a build that started or ended with this event. */
  private void reportBuild(LiveApp next, Event e) {
    String buildId = e instanceof BuildStarted started ? started.build().id()
        : e instanceof BuildSucceeded succeeded ? succeeded.buildId()
        : e instanceof BuildFailed failed ? failed.buildId() : null;
    if (buildId != null) {
      next.build(buildId).ifPresent(build -> observer.built(next, build));
    }
  }

  /** Tells the observer (the router's table) what the app now looks like. */
  private void observe(State next) {
    if (next instanceof LiveApp app) {
      observer.changed(app);
    } else if (next instanceof DestroyedApp gone) {
      observer.gone(gone.appId(), gone.name());
    }
  }

  private void handOver(ReleaseRecord release, ActorRef<Reply> replyTo) {
    handingOver = true;
    ctx.pipeToSelf(ledger.record(release), (done, error) ->
        new LedgerAnswered(release.version(), error == null ? null : String.valueOf(error.getMessage()), replyTo));
  }

  // ---- event handlers ----------------------------------------------------------------------

  /** A release becomes the one the app runs: its slug, config vars and process types. */
  private static void goLive(Builder b, ReleaseRecord r, Instant at) {
    b.currentVersion = r.version();
    b.currentSlugId = r.slugId();
    b.config = new HashMap<>(r.config());
    b.processTypes = new HashMap<>(r.processTypes());
    b.releasedAt = at;
    b.updatedAt = at;
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    var builder = newEventHandlerBuilder();
    builder.forStateType(NoApp.class)
        .onEvent(AppCreated.class, (s, e) -> new LiveApp(e.appId(), e.name(), e.owner(), e.region(), e.stack(),
            e.stack(), false, e.cause().at(), e.cause().at(), e.cause().at(), Map.of(), Map.of(), 0, null, Map.of(),
            Map.of(), null, List.of(), null, Map.of(), 0,
            List.of(), List.of(), Map.of()));
    builder.forStateType(LiveApp.class)
        .onEvent(AppRenamed.class, (s, e) -> s.with(b -> { b.name = e.to(); b.updatedAt = e.cause().at(); }))
        .onEvent(MaintenanceChanged.class, (s, e) -> s.with(b -> { b.maintenance = e.on(); b.updatedAt = e.cause().at(); }))
        .onEvent(BuildStackChanged.class, (s, e) -> s.with(b -> { b.buildStack = e.stack(); b.updatedAt = e.cause().at(); }))
        // the live config is the current release's; ReleaseIssued/ReleaseActivated put it in place
        .onEvent(ConfigVarsChanged.class, (s, e) -> s.touched(e.cause().at()))
        .onEvent(SlugRegistered.class, (s, e) -> s.with(b -> b.slugs().put(e.slug().id(), e.slug())))
        .onEvent(CollaboratorSet.class, (s, e) -> s.with(b -> {
          b.collaborators.put(e.email(), e.permissions());
          b.updatedAt = e.cause().at();
        }))
        .onEvent(CollaboratorRemoved.class, (s, e) -> s.with(b -> {
          b.collaborators.remove(e.email());
          b.updatedAt = e.cause().at();
        }))
        .onEvent(Transferred.class, (s, e) -> s.with(b -> {
          b.owner = e.to();
          b.collaborators.remove(e.to()); // an owner needs no grant
          b.updatedAt = e.cause().at();
        }))
        .onEvent(SlugsRetired.class, (s, e) -> s.with(b -> e.slugIds().forEach(b.slugs()::remove)))
        .onEvent(RolledBack.class, (s, e) -> s.touched(e.cause().at()))
        .onEvent(ReleaseIssued.class, (s, e) -> s.with(b -> {
          ReleaseRecord r = e.release();
          b.latestRelease = r;
          b.updatedAt = e.cause().at();
          if (r.status().equals(ReleaseRecord.PENDING)) {
            b.pendingVersion = r.version();
          } else {
            goLive(b, r, e.cause().at());
          }
        }))
        .onEvent(ReleaseActivated.class, (s, e) -> s.with(b -> {
          b.latestRelease = b.latestRelease.withStatus(ReleaseRecord.SUCCEEDED);
          b.pendingVersion = 0;
          goLive(b, b.latestRelease, e.cause().at());
        }))
        .onEvent(ReleasePhaseFailed.class, (s, e) -> s.with(b -> {
          b.latestRelease = b.latestRelease.withStatus(ReleaseRecord.FAILED);
          b.pendingVersion = 0;
          b.updatedAt = e.cause().at();
        }))
        .onEvent(FormationChanged.class, (s, e) -> s.with(b -> {
          e.entries().forEach(entry -> {
            b.formation.put(entry.type(), entry);
            b.dynoHighWater.merge(entry.type(), entry.quantity(), Math::max);
          });
          b.updatedAt = e.cause().at();
        }))
        .onEvent(AppDestroyed.class, (s, e) -> new DestroyedApp(s.id(), s.name(), e.cause().at()))
        .onEvent(PushReceived.class, (s, e) -> s)
        .onEvent(DomainAdded.class, (s, e) -> s.with(b -> {
          b.customDomains.add(e.hostname());
          b.updatedAt = e.cause().at();
        }))
        .onEvent(DrainAdded.class, (s, e) -> s.with(b -> b.drains.add(e.drain())))
        .onEvent(DrainRemoved.class, (s, e) -> s.with(b -> b.drains.removeIf(d -> d.id().equals(e.drainId()))))
        .onEvent(DomainRemoved.class, (s, e) -> s.with(b -> {
          b.customDomains.remove(e.hostname());
          b.updatedAt = e.cause().at();
        }))
        .onEvent(BuildStarted.class, (s, e) -> s.with(b -> {
          b.builds.add(e.build());
          if (b.builds.size() > LiveApp.BUILDS_KEPT) {
            b.builds.remove(0);
          }
          b.runningBuildId = e.build().id();
        }))
        .onEvent(BuildSucceeded.class, (s, e) -> s.with(b -> {
          b.slugs().put(e.slug().id(), e.slug());
          b.builds.replaceAll(r -> r.id().equals(e.buildId())
              ? r.succeeded(e.slug().id(), e.releaseVersion(), e.slug().buildpackDescription(), e.cause().at()) : r);
          b.runningBuildId = null;
        }))
        .onEvent(BuildFailed.class, (s, e) -> s.with(b -> {
          b.builds.replaceAll(r -> r.id().equals(e.buildId()) ? r.failed(e.stage(), e.reason(), e.cause().at()) : r);
          b.runningBuildId = null;
        }));
    return builder.build();
  }
}
