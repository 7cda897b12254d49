package skiff.actors.apps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import skiff.actors.Cause;
import skiff.actors.apps.AppEntity.Accepted;
import skiff.actors.apps.AppEntity.Command;
import skiff.actors.apps.AppEntity.Event;
import skiff.actors.apps.AppEntity.LiveApp;
import skiff.actors.apps.AppEntity.Reply;
import skiff.actors.apps.AppEntity.State;

class AppEntityTest {
  private static final ActorTestKit kit = ActorTestKit.create(EventSourcedBehaviorTestKit.config());

  /** The release ledger double: records what it was handed, answering as {@link #answer} says. */
  private final List<ReleaseRecord> handedOver = new ArrayList<>();
  private final AtomicReference<java.util.function.Supplier<CompletableFuture<Done>>> answer =
      new AtomicReference<>(() -> CompletableFuture.completedFuture(Done.getInstance()));
  private EventSourcedBehaviorTestKit<Command, Event, State> app;
  private final String appId = UUID.randomUUID().toString();

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @BeforeEach
  void setUp() {
    ReleaseLedger ledger = release -> {
      synchronized (handedOver) {
        handedOver.add(release);
      }
      return answer.get().get();
    };
    app = EventSourcedBehaviorTestKit.create(kit.system(), AppEntity.create(appId, ledger, DynoScheduler.NONE, AppObserver.NONE, Instant::now));
  }

  private static Cause by(String who) {
    return new Cause(who, Instant.now(), "req-" + UUID.randomUUID());
  }

  private Accepted accepted(CommandResultWithReply<Command, Event, State, Reply> result) {
    return assertInstanceOf(Accepted.class, result.reply());
  }

  private LiveApp created() {
    return accepted(app.<Reply>runCommand(r -> new AppEntity.Create("blog", "a@b.c", "local", "cedar", by("a@b.c"), r))).app();
  }

  @Test
  void creationIssuesTheInitialReleaseAndRecordsWhoDidIt() {
    var result = app.<Reply>runCommand(r -> new AppEntity.Create("blog", "a@b.c", "local", "cedar", by("a@b.c"), r));
    Accepted accepted = accepted(result);
    assertEquals("blog", accepted.app().name());
    assertEquals(1, accepted.release().version());
    assertEquals("Initial release", accepted.release().description());
    assertEquals("a@b.c", accepted.release().cause().actor());
    AppEntity.AppCreated event = assertInstanceOf(AppEntity.AppCreated.class, result.events().get(0));
    assertEquals("a@b.c", event.cause().actor());
    assertTrue(event.cause().requestId().startsWith("req-"));
    assertEquals(1, handedOver.size());
    assertEquals(1, handedOver.get(0).version());
  }

  @Test
  void configChangesEachIssueOneReleaseDescribedLikeHeroku() {
    created();
    Accepted set = accepted(app.<Reply>runCommand(r -> new AppEntity.ChangeConfig(Map.of("B", "2", "A", "1"), List.of(),
        by("a@b.c"), r)));
    assertEquals("Set A, B config vars", set.release().description());
    assertEquals(2, set.release().version());
    assertEquals(Map.of("A", "1", "B", "2"), set.release().config());
    Accepted unset = accepted(app.<Reply>runCommand(r -> new AppEntity.ChangeConfig(Map.of(), List.of("A"), by("a@b.c"), r)));
    assertEquals("Remove A config vars", unset.release().description());
    assertEquals(Map.of("B", "2"), unset.app().config());
    assertEquals(3, unset.app().currentVersion());
  }

  @Test
  void aPatchThatChangesNothingIssuesNoRelease() {
    created();
    var result = app.<Reply>runCommand(r -> new AppEntity.ChangeConfig(Map.of(), List.of("MISSING"), by("x"), r));
    assertTrue(result.hasNoEvents());
    assertNull(accepted(result).release());
  }

  @Test
  void badConfigVarNamesAreRejectedAndNothingIsPersisted() {
    created();
    var result = app.<Reply>runCommand(r -> new AppEntity.ChangeConfig(Map.of("OK", "1", "NOT-OK", "2"), List.of(),
        by("x"), r));
    Rejection rejection = assertInstanceOf(Rejection.class, result.reply());
    assertEquals("invalid_params", rejection.id());
    assertTrue(rejection.message().contains("NOT-OK"));
    assertTrue(result.hasNoEvents());
    assertEquals(Map.of(), ((LiveApp) app.getState()).config());
  }

  @Test
  void oversizedConfigIsRejected() {
    created();
    var result = app.<Reply>runCommand(r -> new AppEntity.ChangeConfig(Map.of("BIG", "x".repeat(40_000)), List.of(),
        by("x"), r));
    assertEquals("invalid_params", assertInstanceOf(Rejection.class, result.reply()).id());
    assertTrue(result.hasNoEvents());
  }

  @Test
  void rollbackIssuesANewReleaseWithTheOldConfig() {
    created();
    ReleaseRecord v2 = accepted(app.<Reply>runCommand(r -> new AppEntity.ChangeConfig(Map.of("A", "1"), List.of(), by("x"), r)))
        .release();
    app.<Reply>runCommand(r -> new AppEntity.ChangeConfig(Map.of("A", "changed"), List.of(), by("x"), r));
    Accepted rolledBack = accepted(app.<Reply>runCommand(r -> new AppEntity.Rollback(v2, by("y"), r)));
    assertEquals(4, rolledBack.release().version());
    assertEquals("Rollback to v2", rolledBack.release().description());
    assertEquals(Map.of("A", "1"), rolledBack.app().config());
  }

  @Test
  void rollbackToAReleaseOfAnotherAppIsRejected() {
    created();
    ReleaseRecord foreign = new ReleaseRecord("other", "id", 1, "x", null, Map.of(), Map.of(), "succeeded", by("x"));
    var result = app.<Reply>runCommand(r -> new AppEntity.Rollback(foreign, by("x"), r));
    assertEquals("not_found", assertInstanceOf(Rejection.class, result.reply()).id());
    assertTrue(result.hasNoEvents());
  }

  @Test
  void scalingNeedsAProcessTypeOfTheCurrentRelease() {
    created();
    var result = app.<Reply>runCommand(r -> new AppEntity.Scale(List.of(new FormationUpdate("web", "2", null)),
        by("x"), -1, r));
    Rejection rejection = assertInstanceOf(Rejection.class, result.reply());
    assertEquals("not_found", rejection.id());
    assertTrue(rejection.message().contains("(web)"));
    assertTrue(result.hasNoEvents());
  }

  @Test
  void deployingASlugStartsOneWebDynoAndScalingAcceptsCliQuantities() {
    created();
    deploy(Map.of("web", "./server", "worker", "./work"));
    LiveApp deployed = (LiveApp) app.getState();
    assertEquals(1, deployed.formation().get("web").quantity());
    assertEquals(List.of("web", "worker"), deployed.visibleFormation().stream().map(FormationEntry::type).toList());

    LiveApp scaled = accepted(app.<Reply>runCommand(r -> new AppEntity.Scale(List.of(
        new FormationUpdate("web", "+2", null), new FormationUpdate("worker", "1", "standard-2x")), by("x"), -1, r))).app();
    assertEquals(3, scaled.formation().get("web").quantity());
    assertEquals(1, scaled.formation().get("worker").quantity());
    assertEquals("Standard-2X", scaled.formation().get("worker").size());

    for (String bad : List.of("-9", "two", "101")) {
      var result = app.<Reply>runCommand(r -> new AppEntity.Scale(List.of(new FormationUpdate("web", bad, null)),
          by("x"), -1, r));
      assertEquals("invalid_params", assertInstanceOf(Rejection.class, result.reply()).id(), bad);
      assertTrue(result.hasNoEvents());
    }
    var badSize = app.<Reply>runCommand(r -> new AppEntity.Scale(List.of(new FormationUpdate("web", "1", "huge")),
        by("x"), -1, r));
    assertTrue(assertInstanceOf(Rejection.class, badSize.reply()).message().contains("huge"));
  }

  @Test
  void scalingBeyondTheClustersRoomIsRefusedAndScalingDownAlwaysWorks() {
    created();
    deploy(Map.of("web", "./server", "worker", "./work"));
    var full = app.<Reply>runCommand(r -> new AppEntity.Scale(List.of(new FormationUpdate("web", "4", null),
        new FormationUpdate("worker", "1", null)), by("x"), 3, r));
    Rejection refused = assertInstanceOf(Rejection.class, full.reply());
    assertEquals("invalid_params", refused.id());
    assertTrue(refused.message().contains("adds 4 dynos") && refused.message().contains("room for 3"),
        refused.message());
    assertTrue(full.hasNoEvents());
    LiveApp fits = accepted(app.<Reply>runCommand(r -> new AppEntity.Scale(List.of(
        new FormationUpdate("web", "+3", null)), by("x"), 3, r))).app();
    assertEquals(4, fits.formation().get("web").quantity());
    LiveApp down = accepted(app.<Reply>runCommand(r -> new AppEntity.Scale(List.of(
        new FormationUpdate("web", "1", null)), by("x"), 0, r))).app();
    assertEquals(1, down.formation().get("web").quantity());
  }

  private Accepted deploy(Map<String, String> processTypes) {
    Slug slug = new Slug(UUID.randomUUID().toString(), "SHA256:00", 10, processTypes, "1a2b3c4d5e", "msg", "Procfile",
        "cedar", Instant.now());
    app.<Reply>runCommand(r -> new AppEntity.RegisterSlug(slug, by("x"), r));
    Accepted deployed = accepted(app.<Reply>runCommand(r -> new AppEntity.Deploy(slug.id(), null, by("x"), r)));
    assertEquals("Deploy 1a2b3c4", deployed.release().description());
    return deployed;
  }

  /**
   * The release command runs elsewhere (the app's one-off entity, any node) and its end arrives as a
   * command: an app entity that was passivated or moved meanwhile asks after it instead of failing
   * the release, and the end that arrives later still decides it.
   */
  @Test
  void aReleasePhaseOutlivesItsAppEntityStoppingAndItsEndStillDecides() {
    List<String> asked = new ArrayList<>();
    DynoScheduler scheduler = new DynoScheduler() {
      @Override
      public void converge(LiveApp live, Cause cause) {}

      @Override
      public void runReleasePhase(LiveApp live, ReleaseRecord release, Cause cause) {
        asked.add("run v" + release.version() + " " + release.processTypes().get("release"));
      }

      @Override
      public void checkReleasePhase(String id, int version) {
        asked.add("check v" + version);
      }
    };
    app = EventSourcedBehaviorTestKit.create(kit.system(), AppEntity.create(appId, release -> CompletableFuture
        .completedFuture(Done.getInstance()), scheduler, AppObserver.NONE, Instant::now));
    created();
    Slug slug = new Slug(UUID.randomUUID().toString(), "SHA256:00", 10, Map.of("web", "./web", "release",
        "./migrate"), "1a2b3c4d5e", "msg", "Procfile", "cedar", Instant.now());
    app.<Reply>runCommand(r -> new AppEntity.RegisterSlug(slug, by("x"), r));
    Accepted pending = accepted(app.<Reply>runCommand(r -> new AppEntity.Deploy(slug.id(), null, by("x"), r)));
    assertEquals(ReleaseRecord.PENDING, pending.release().status());
    assertEquals(List.of("run v2 ./migrate"), asked);

    app.restart(); // passivated, or moved to another node, while the command runs
    assertEquals(List.of("run v2 ./migrate", "check v2"), asked, "asked after, not failed");
    LiveApp waiting = (LiveApp) app.getState();
    assertEquals(2, waiting.pendingVersion());
    assertEquals(1, waiting.currentVersion());

    var ended = app.runCommand(new AppEntity.ReleasePhaseEnded(2, 0, ""));
    assertInstanceOf(AppEntity.ReleaseActivated.class, ended.events().get(0));
    assertEquals(2, ((LiveApp) app.getState()).currentVersion());
    // a late or repeated answer about a release no longer pending changes nothing
    assertTrue(app.runCommand(new AppEntity.ReleasePhaseEnded(2, -1, "late")).hasNoEvents());
  }

  @Test
  void onlyTheNewestSlugsStayInTheAppsStateAndOlderReleasesCannotComeBack() {
    created();
    ReleaseRecord first = deploy(Map.of("web", "./web")).release();
    for (int i = 1; i < LiveApp.SLUGS_KEPT + 5; i++) {
      deploy(Map.of("web", "./web"));
    }
    LiveApp now = (LiveApp) app.getState();
    assertEquals(LiveApp.SLUGS_KEPT, now.slugs().size(), "state bounded, not one slug per push ever made");
    assertTrue(now.slugs().containsKey(now.currentSlugId()));
    assertTrue(!now.slugs().containsKey(first.slugId()), "the oldest went first");
    var refused = app.<Reply>runCommand(r -> new AppEntity.Rollback(first, by("x"), r));
    assertTrue(assertInstanceOf(Rejection.class, refused.reply()).message().contains("no longer kept"));
    ReleaseRecord recent = now.latestRelease();
    assertEquals(LiveApp.SLUGS_KEPT + 5, ((LiveApp) app.restart().state()).lastVersion() - 1,
        "a recovery replays the retirements to the same state");
    assertEquals(now.slugs().keySet(), ((LiveApp) app.getState()).slugs().keySet());
    accepted(app.<Reply>runCommand(r -> new AppEntity.Rollback(recent, by("x"), r)));
  }

  @Test
  void deployingAnUnknownSlugIsRejected() {
    created();
    var result = app.<Reply>runCommand(r -> new AppEntity.Deploy("nope", null, by("x"), r));
    assertEquals("not_found", assertInstanceOf(Rejection.class, result.reply()).id());
  }

  @Test
  void maintenanceRenameAndDestroy() {
    created();
    assertTrue(accepted(app.<Reply>runCommand(r -> new AppEntity.SetMaintenance(true, by("x"), r))).app().maintenance());
    assertEquals("journal", accepted(app.<Reply>runCommand(r -> new AppEntity.Rename("journal", by("x"), r))).app().name());
    var badName = app.<Reply>runCommand(r -> new AppEntity.Rename("-bad", by("x"), r));
    assertEquals("invalid_params", assertInstanceOf(Rejection.class, badName.reply()).id());
    accepted(app.<Reply>runCommand(r -> new AppEntity.Destroy(by("x"), r)));
    var afterwards = app.<Reply>runCommand(AppEntity.Get::new);
    assertEquals("not_found", assertInstanceOf(Rejection.class, afterwards.reply()).id());
  }

  @Test
  void aMissingAppAnswersNotFound() {
    var result = app.<Reply>runCommand(r -> new AppEntity.ChangeConfig(Map.of("A", "1"), List.of(), by("x"), r));
    assertEquals(Rejection.appNotFound(), result.reply());
    assertTrue(result.hasNoEvents());
  }

  @Test
  void recoveryRestoresEverything() {
    created();
    app.<Reply>runCommand(r -> new AppEntity.ChangeConfig(Map.of("A", "1"), List.of(), by("x"), r));
    deploy(Map.of("web", "./server"));
    app.<Reply>runCommand(r -> new AppEntity.Scale(List.of(new FormationUpdate("web", "4", null)), by("x"), -1, r));
    State before = app.getState();
    app.restart();
    assertEquals(before, app.getState());
    Accepted next = accepted(app.<Reply>runCommand(r -> new AppEntity.ChangeConfig(Map.of("B", "2"), List.of(), by("x"), r)));
    assertEquals(4, next.release().version(), "numbering continues after recovery");
  }

  @Test
  void aReleaseTheLedgerFailedToTakeIsRetriedUntilItIsRecorded() {
    created();
    AtomicInteger calls = new AtomicInteger();
    answer.set(() -> calls.incrementAndGet() == 1
        ? CompletableFuture.failedFuture(new RuntimeException("journal busy"))
        : CompletableFuture.completedFuture(Done.getInstance()));
    Accepted result = accepted(app.<Reply>runCommand(r -> new AppEntity.ChangeConfig(Map.of("A", "1"), List.of(), by("x"), r)));
    assertEquals(2, result.release().version());
    assertEquals(2, calls.get(), "one failure, one retry");
  }

  @Test
  void aReleaseIssuedBeforeACrashIsHandedOverAgainOnRecovery() {
    created();
    answer.set(CompletableFuture::new); // the ledger never answers: the node "dies" before confirming
    var caller = kit.createTestProbe(Reply.class);
    app.runCommand(new AppEntity.ChangeConfig(Map.of("A", "1"), List.of(), by("x"), caller.ref()));
    // while v2 is unconfirmed, other requests wait rather than see or build on a half-made release
    var waiting = kit.createTestProbe(Reply.class);
    app.runCommand(new AppEntity.Get(waiting.ref()));
    waiting.expectNoMessage(Duration.ofMillis(200));
    answer.set(() -> CompletableFuture.completedFuture(Done.getInstance()));
    handedOver.clear();
    app.restart();
    Accepted after = accepted(app.<Reply>runCommand(AppEntity.Get::new));
    assertEquals(2, after.app().currentVersion());
    assertEquals(2, handedOver.get(0).version(), "recovery handed v2 over again");
  }

  @Test
  void describesCombinedChanges() {
    assertEquals("Set A and remove B config vars",
        AppEntity.describeConfigChange(java.util.Set.of("A"), List.of("B")));
  }

  private static skiff.actors.builds.BuildRecord build(String id) {
    return skiff.actors.builds.BuildRecord.started(id, "git", "1a2b3c4d5e6f", "first", "a@b.c", Instant.now());
  }

  @Test
  void buildsNeverInterleaveAndASucceededBuildReleasesItsSlug() {
    created();
    var started = app.<Reply>runCommand(r -> new AppEntity.StartBuild(build("b-1"), "refs/heads/main", by("a@b.c"), r));
    assertInstanceOf(AppEntity.PushReceived.class, started.events().get(0));
    assertInstanceOf(AppEntity.BuildStarted.class, started.events().get(1));
    var second = app.<Reply>runCommand(r -> new AppEntity.StartBuild(build("b-2"), "refs/heads/main", by("x"), r));
    Rejection busy = assertInstanceOf(Rejection.class, second.reply());
    assertEquals("conflict", busy.id());
    assertTrue(busy.message().contains("already running"), busy.message());
    assertTrue(second.hasNoEvents());

    Slug slug = new Slug("slug-1", "SHA256:ab", 2048, Map.of("web", "./server"), "1a2b3c4d5e6f", "first", "Python",
        "cedar", Instant.now());
    Accepted released = accepted(app.<Reply>runCommand(r -> new AppEntity.FinishBuild("b-1", slug, by("a@b.c"), r)));
    assertEquals("Deploy 1a2b3c4", released.release().description());
    assertEquals("slug-1", released.release().slugId());
    var record = released.app().build("b-1").orElseThrow();
    assertEquals("succeeded", record.status());
    assertEquals(2, record.releaseVersion());
    assertEquals(1, released.app().formation().get("web").quantity());
    assertEquals(null, released.app().runningBuildId());
  }

  @Test
  void aFailedBuildIsRecordedWithItsStageAndReleasesNothing() {
    created();
    app.<Reply>runCommand(r -> new AppEntity.StartBuild(build("b-1"), "refs/heads/main", by("x"), r));
    Accepted failed = accepted(app.<Reply>runCommand(r -> new AppEntity.FailBuild("b-1", "procfile",
        "Procfile line 2 is wrong", by("x"), r)));
    assertEquals(1, failed.app().currentVersion());
    assertEquals("procfile", failed.app().build("b-1").orElseThrow().failureStage());
    var unknown = app.<Reply>runCommand(r -> new AppEntity.FailBuild("b-9", "x", "y", by("x"), r));
    assertEquals("conflict", assertInstanceOf(Rejection.class, unknown.reply()).id());
  }

  @Test
  void aBuildRunningWhenThePlatformStoppedIsFailedOnRecovery() {
    created();
    app.<Reply>runCommand(r -> new AppEntity.StartBuild(build("b-1"), "refs/heads/main", by("x"), r));
    app.restart();
    kit.createTestProbe().awaitAssert(Duration.ofSeconds(5), () -> {
      LiveApp state = (LiveApp) app.getState();
      assertNull(state.runningBuildId());
      assertEquals("interrupted", state.build("b-1").orElseThrow().failureStage());
      return null;
    });
  }

  // ---- restore to an instant ----------------------------------------------------------------

  private LiveApp state() {
    return (LiveApp) app.getState();
  }

  private RestorePlan plan(LiveApp then) {
    return assertInstanceOf(AppEntity.Planned.class,
        app.<Reply>runCommand(r -> new AppEntity.PlanRestore(then, Instant.EPOCH, r)).reply()).plan();
  }

  @Test
  void aRestoreTurnsTheDifferenceIntoOrdinaryEventsCausedByTheCaller() {
    created();
    deploy(Map.of("web", "./web", "worker", "./worker"));
    app.<Reply>runCommand(r -> new AppEntity.ChangeConfig(Map.of("A", "1"), List.of(), by("x"), r));
    app.<Reply>runCommand(r -> new AppEntity.Scale(List.of(new FormationUpdate("web", "2", "Standard-2X")), by("x"), -1, r));
    app.<Reply>runCommand(r -> new AppEntity.AddDomain("www.example.com", by("x"), r));
    app.<Reply>runCommand(r -> new AppEntity.AddDrain("syslog://logs.example.com:514", by("x"), r));
    LiveApp then = state();

    deploy(Map.of("web", "./web2", "worker", "./worker"));
    app.<Reply>runCommand(r -> new AppEntity.ChangeConfig(Map.of("A", "2", "B", "3"), List.of(), by("x"), r));
    app.<Reply>runCommand(r -> new AppEntity.Scale(List.of(new FormationUpdate("web", "1", null),
        new FormationUpdate("worker", "1", null)), by("x"), -1, r));
    app.<Reply>runCommand(r -> new AppEntity.RemoveDomain("www.example.com", by("x"), r));
    app.<Reply>runCommand(r -> new AppEntity.RemoveDrain("syslog://logs.example.com:514", by("x"), r));
    app.<Reply>runCommand(r -> new AppEntity.AddDrain("https://other.example.com/logs", by("x"), r));
    app.<Reply>runCommand(r -> new AppEntity.SetMaintenance(true, by("x"), r));
    app.<Reply>runCommand(r -> new AppEntity.SetBuildStack("debian-12", by("x"), r));

    RestorePlan plan = plan(then);
    Cause cause = by("restorer@b.c").asStepOf("restore to T");
    var result = app.<Reply>runCommand(r -> new AppEntity.Restore(then, plan, cause, r));
    Accepted restored = accepted(result);
    LiveApp now = restored.app();
    assertEquals("Restore to " + Instant.EPOCH, restored.release().description());
    assertEquals(then.currentSlugId(), now.currentSlugId());
    assertEquals(then.config(), now.config());
    assertEquals(then.processTypes(), now.processTypes());
    assertEquals(then.customDomains(), now.customDomains());
    assertEquals(then.drains(), now.drains(), "the drain is back with its id, so its token is the same");
    assertEquals(then.maintenance(), now.maintenance());
    assertTrue(Stacks.same(then.buildStack(), now.buildStack()), now.buildStack());
    assertEquals(2, now.formation().get("web").quantity());
    assertEquals("Standard-2X", now.formation().get("web").size());
    assertEquals(0, now.formation().get("worker").quantity());
    for (Event e : result.events()) {
      assertEquals(cause, e.cause(), e.toString());
    }
    assertTrue(plan(then).isEmpty(), "restoring to the same instant again changes nothing");
  }

  @Test
  void aRestoreWhosePlanNoLongerHoldsIsRefused() {
    created();
    deploy(Map.of("web", "./web"));
    LiveApp then = state();
    app.<Reply>runCommand(r -> new AppEntity.ChangeConfig(Map.of("A", "1"), List.of(), by("x"), r));
    RestorePlan shown = plan(then);
    app.<Reply>runCommand(r -> new AppEntity.ChangeConfig(Map.of("B", "1"), List.of(), by("x"), r));
    var result = app.<Reply>runCommand(r -> new AppEntity.Restore(then, shown, by("x"), r));
    Rejection rejection = assertInstanceOf(Rejection.class, result.reply());
    assertEquals("conflict", rejection.id());
    assertTrue(result.hasNoEvents());
  }

  @Test
  void aRestoreWaitsForARunningBuild() {
    created();
    LiveApp then = state();
    app.<Reply>runCommand(r -> new AppEntity.ChangeConfig(Map.of("A", "1"), List.of(), by("x"), r));
    app.<Reply>runCommand(r -> new AppEntity.StartBuild(build("b-1"), "refs/heads/main", by("x"), r));
    var planned = app.<Reply>runCommand(r -> new AppEntity.PlanRestore(then, Instant.EPOCH, r));
    assertEquals("conflict", assertInstanceOf(Rejection.class, planned.reply()).id());
  }
}
