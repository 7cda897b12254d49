package skiff.actors.dynos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import skiff.actors.Cause;
import skiff.actors.dynos.DynoEntity.Command;
import skiff.actors.dynos.DynoEntity.Event;
import skiff.actors.dynos.DynoEntity.Reply;
import skiff.actors.dynos.DynoEntity.State;

/** Every path of the dyno's journal, with the process runtime played by the test. */
class DynoEntityTest {
  private static final ActorTestKit kit = ActorTestKit.create(EventSourcedBehaviorTestKit.config());
  private static final Duration COOLDOWN = Duration.ofMinutes(10);
  /** The node's processes, played by the test, behind a real agent. */
  private static final FakeRuntime RUNTIME = new FakeRuntime();
  /** What the agent's router does when a process is to be drained: finish at once, unless a test says otherwise. */
  private static volatile java.util.function.IntFunction<java.util.concurrent.CompletionStage<Void>> drain =
      port -> java.util.concurrent.CompletableFuture.completedFuture(null);
  private static final DynoNodes NODES = new DynoNodes(kit.system(), "test-node", kit.spawn(DynoAgent.create(RUNTIME,
      new DynoWatcher() {
        @Override
        public void changed(String appId, String dynoName, String state, int port) {}

        @Override
        public java.util.concurrent.CompletionStage<Void> drain(String appId, String dynoName, int port,
            Duration within) {
          return drain.apply(port);
        }
      }, NodeCapacity.UNLIMITED, Runnable::run), DynoAgent.actorName("test-node")));

  private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-26T12:00:00Z"));
  private FakeRuntime runtime;
  private EventSourcedBehaviorTestKit<Command, Event, State> dyno;
  private Duration bootTimeout = Duration.ofHours(1);
  private String entityId;

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @BeforeEach
  void setUp() {
    runtime = RUNTIME;
    runtime.reset();
    drain = port -> java.util.concurrent.CompletableFuture.completedFuture(null);
    dyno = newDyno("web.1");
  }

  private DynoWatcher watcher = DynoWatcher.NONE;

  private EventSourcedBehaviorTestKit<Command, Event, State> newDyno(String name) {
    DynoPolicy policy = new DynoPolicy(COOLDOWN, bootTimeout, Duration.ofSeconds(30), Duration.ofHours(24),
        Duration.ofMinutes(216), 512L << 20);
    entityId = DynoEntity.entityId(UUID.randomUUID().toString(), name);
    return EventSourcedBehaviorTestKit.create(kit.system(), DynoEntity.create(entityId, NODES, policy, LogSink.NONE,
        watcher, now::get, null));
  }

  private static DynoSpec spec(String type, int release) {
    return new DynoSpec("app-id", "blog", type, 1, release, "SHA256:aa", "./" + type, Map.of("A", "1"), "Basic", "debian-12");
  }

  private static Cause by() {
    return new Cause("a@b.c", Instant.now(), "req");
  }

  private State state() {
    return dyno.getState();
  }

  /** Internal messages are processed asynchronously; wait for the state to show their effect. */
  private void await(java.util.function.Predicate<State> condition) {
    kit.createTestProbe().awaitAssert(Duration.ofSeconds(5), () -> {
      assertTrue(condition.test(state()), () -> "state: " + state());
      return null;
    });
  }

  private String runningUp(int release) {
    var result = dyno.<Reply>runCommand(r -> new DynoEntity.Run(spec("web", release), by(), r));
    assertInstanceOf(DynoEntity.Assigned.class, result.events().get(0));
    String runId = started(result.events().get(1));
    runtime.up(runId);
    await(s -> s.phase().equals("up"));
    return runId;
  }

  /** A placement decided; waits until the node's agent confirmed the process, and returns its run id. */
  private String started(Event event) {
    DynoEntity.Placed placed = assertInstanceOf(DynoEntity.Placed.class, event);
    assertEquals("test-node", placed.node());
    await(s -> s.current() != null && s.current().runId().equals(placed.runId())
        && !s.current().status().equals("placed"));
    return placed.runId();
  }

  @Test
  void runStartsTheProcessAndTheOpenPortMakesItUp() {
    String runId = runningUp(3);
    assertEquals("./web", runtime.launches.get(0).command());
    assertEquals(Map.of("A", "1"), runtime.launches.get(0).env());
    assertTrue(runtime.launches.get(0).web());
    assertEquals(runId, state().current().runId());
    assertNotNull(state().nextCycleAt(), "daily cycling is scheduled once up");
    var again = dyno.<Reply>runCommand(r -> new DynoEntity.Run(spec("web", 3), by(), r));
    assertTrue(again.hasNoEvents(), "the same release again changes nothing");
  }

  @Test
  void theFirstCrashRestartsAtOnceAndASecondWithinTheCooldownWaits() {
    String first = runningUp(1);
    runtime.exit(first, 137, false, false);
    await(s -> s.current() != null && !s.current().runId().equals(first) && !s.current().status().equals("placed"));
    assertEquals(now.get(), state().lastCrashRestartAt());
    String second = state().current().runId();
    runtime.up(second);

    now.set(now.get().plusSeconds(60));
    runtime.exit(second, 1, false, false);
    await(s -> s.phase().equals("crashed"));
    Instant restartAt = state().restartNotBefore();
    assertEquals(Instant.parse("2026-11-26T12:10:00Z"), restartAt, "ten minutes after the last crash restart");
    DynoEntity.DynoView view = ((DynoEntity.Status) dyno.<Reply>runCommand(DynoEntity.Get::new).reply()).dyno();
    assertEquals("crashed", view.state());
    assertEquals(restartAt, view.restartAt());
    assertEquals(1, view.lastExitStatus());
    int launches = runtime.launches.size();

    dyno.runCommand(DynoEntity.RestartDue.INSTANCE);
    assertEquals(launches, runtime.launches.size(), "not before the cooldown is over");
    now.set(restartAt);
    var due = dyno.runCommand(DynoEntity.RestartDue.INSTANCE);
    assertTrue(assertInstanceOf(DynoEntity.Placed.class, due.events().get(0)).crashRestart());
    started(due.events().get(0));
    assertEquals(launches + 1, runtime.launches.size());
    assertNull(state().restartNotBefore());
  }

  @Test
  void recoveryInTheMiddleOfTheCooldownStillRestartsAtTheRightTime() {
    String first = runningUp(1);
    runtime.exit(first, 137, false, false);
    await(s -> s.current() != null && !s.current().runId().equals(first) && !s.current().status().equals("placed"));
    String second = state().current().runId();
    runtime.exit(second, 137, false, false);
    await(s -> s.restartNotBefore() != null);
    Instant restartAt = state().restartNotBefore();
    int launches = runtime.launches.size();

    dyno.restart(); // the platform restarts during the cooldown
    assertEquals(restartAt, state().restartNotBefore(), "the schedule is in the journal");
    assertEquals(launches, runtime.launches.size(), "no early restart after recovery");
    now.set(restartAt.plusSeconds(1));
    dyno.runCommand(DynoEntity.RestartDue.INSTANCE);
    await(s -> s.restartNotBefore() == null && s.current() != null && !s.current().status().equals("placed"));
    assertEquals(launches + 1, runtime.launches.size());
  }

  @Test
  void aManualRestartClearsTheCooldown() {
    String first = runningUp(1);
    runtime.exit(first, 137, false, false);
    await(s -> s.current() != null && !s.current().runId().equals(first) && !s.current().status().equals("placed"));
    runtime.exit(state().current().runId(), 137, false, false);
    await(s -> s.restartNotBefore() != null);
    var restart = dyno.<Reply>runCommand(r -> new DynoEntity.Restart(by(), r));
    assertInstanceOf(DynoEntity.CooldownCleared.class, restart.events().get(0));
    started(restart.events().get(1));
    assertNull(state().restartNotBefore());
    assertNull(state().lastCrashRestartAt());
  }

  @Test
  void aNewReleaseStartsTheNewWebProcessBeforeTheOldOneGetsSigterm() {
    String old = runningUp(1);
    var result = dyno.<Reply>runCommand(r -> new DynoEntity.Run(spec("web", 2), by(), r));
    String fresh = started(result.events().get(1));
    assertEquals(old, state().previous().runId(), "the old process keeps serving");
    assertEquals("up", state().phase());
    assertEquals(state().previous().port(), state().servingPort());
    assertTrue(runtime.stops.isEmpty(), "no SIGTERM before the new one is up");

    runtime.up(fresh);
    await(s -> s.previous() != null && s.previous().status().equals("stopping"));
    kit.createTestProbe().awaitAssert(Duration.ofSeconds(5), () -> {
      assertEquals(List.of(old), runtime.stops);
      return null;
    });
    assertEquals(state().current().port(), state().servingPort());
    runtime.exit(old, 143, false, false);
    await(s -> s.previous() == null);
    assertEquals("up", state().phase(), "the replaced process's exit is no crash");
  }

  @Test
  void aRestartOfAWebDynoPrebootsAndTheOldProcessGetsSigtermOnlyOnceDrained() {
    java.util.concurrent.CompletableFuture<Void> drained = new java.util.concurrent.CompletableFuture<>();
    List<Integer> drainedPorts = new java.util.concurrent.CopyOnWriteArrayList<>();
    drain = port -> {
      drainedPorts.add(port);
      return drained;
    };
    String old = runningUp(1);
    int oldPort = state().current().port();
    var restart = dyno.<Reply>runCommand(r -> new DynoEntity.Restart(by(), r));
    String fresh = started(restart.events().get(1));
    assertEquals(old, state().previous().runId(), "the old process keeps serving while the new one starts");
    assertEquals(oldPort, state().servingPort());

    runtime.up(fresh);
    await(s -> s.previous() != null && s.previous().status().equals("stopping"));
    kit.createTestProbe().awaitAssert(Duration.ofSeconds(5), () -> {
      assertEquals(List.of(oldPort), drainedPorts, "the old process is drained first");
      return null;
    });
    assertTrue(runtime.stops.isEmpty(), "no SIGTERM while requests are still in flight");
    drained.complete(null);
    kit.createTestProbe().awaitAssert(Duration.ofSeconds(5), () -> {
      assertEquals(List.of(old), runtime.stops);
      return null;
    });
  }

  @Test
  void aWorkerIsStoppedBeforeItsNewReleaseStarts() {
    dyno = newDyno("worker.1");
    var first = dyno.<Reply>runCommand(r -> new DynoEntity.Run(spec("worker", 1), by(), r));
    String old = started(first.events().get(1));
    var second = dyno.<Reply>runCommand(r -> new DynoEntity.Run(spec("worker", 2), by(), r));
    assertInstanceOf(DynoEntity.Stopping.class, second.events().get(1));
    kit.createTestProbe().awaitAssert(Duration.ofSeconds(5), () -> {
      assertEquals(List.of(old), runtime.stops);
      return null;
    });
    runtime.exit(old, 143, false, false);
    await(s -> s.current() != null && s.current().releaseVersion() == 2);
  }

  @Test
  void aWebDynoThatNeverBindsItsPortTimesOutWithR10AndCrashes() {
    bootTimeout = Duration.ofMillis(200);
    dyno = newDyno("web.1");
    var result = dyno.<Reply>runCommand(r -> new DynoEntity.Run(spec("web", 1), by(), r));
    String runId = started(result.events().get(1));
    await(s -> s.current() != null && s.current().status().equals("timed-out"));
    kit.createTestProbe().awaitAssert(Duration.ofSeconds(5), () -> {
      assertEquals(List.of(runId), runtime.stops, "killed at the boot timeout");
      return null;
    });
    runtime.exit(runId, 137, false, false);
    await(s -> s.lastCrashRestartAt() != null);
  }

  @Test
  void aProcessIgnoringSigtermIsRecordedAsR12AndScaledAwayDynosLeave() {
    String runId = runningUp(1);
    var retire = dyno.<Reply>runCommand(r -> new DynoEntity.Retire(by(), r));
    assertInstanceOf(DynoEntity.Retired.class, retire.events().get(0));
    assertInstanceOf(DynoEntity.Stopping.class, retire.events().get(1));
    assertTrue(dyno.<Reply>runCommand(r -> new DynoEntity.Retire(by(), r)).hasNoEvents(),
        "asked again (every start's convergence does), a retired dyno writes nothing");
    runtime.exit(runId, 137, true, false);
    kit.createTestProbe().awaitAssert(Duration.ofSeconds(5), () -> {
      List<Object> events = dyno.persistenceTestKit().persistedInStorage("Dyno|" + entityId);
      assertInstanceOf(DynoEntity.ExitTimeout.class, events.get(events.size() - 2));
      assertInstanceOf(DynoEntity.Stopped.class, events.get(events.size() - 1));
      return null;
    });
  }

  @Test
  void memoryOverTheQuotaIsR14AtMostEveryTwentySecondsAndAnOutOfMemoryKillIsR15() {
    String runId = runningUp(1);
    var over = dyno.runCommand(new DynoEntity.MemorySampled(runId, 600L << 20));
    DynoEntity.MemoryQuotaExceeded r14 = assertInstanceOf(DynoEntity.MemoryQuotaExceeded.class, over.events().get(0));
    assertEquals("R14", r14.code());
    assertTrue(dyno.runCommand(new DynoEntity.MemorySampled(runId, 700L << 20)).hasNoEvents());
    assertTrue(dyno.runCommand(new DynoEntity.MemorySampled(runId, 100L << 20)).hasNoEvents());
    now.set(now.get().plusSeconds(21));
    assertEquals(1, dyno.runCommand(new DynoEntity.MemorySampled(runId, 600L << 20)).events().size());

    runtime.exit(runId, 137, false, true);
    await(s -> s.lastCrashRestartAt() != null);
    assertEquals(137, state().lastExitStatus());
  }

  @Test
  void dailyCyclingReplacesTheProcess() {
    String old = runningUp(1);
    now.set(state().nextCycleAt().plusSeconds(1));
    var cycled = dyno.runCommand(DynoEntity.CycleDue.INSTANCE);
    assertInstanceOf(DynoEntity.Cycled.class, cycled.events().get(0));
    started(cycled.events().get(1));
    assertEquals(old, state().previous().runId());
  }

  @Test
  void anEntityThatMovesAdoptsTheProcessItsNodeStillRuns() {
    String old = runningUp(1);
    int launches = runtime.launches.size();
    dyno.restart(); // handed to another node (or passivated): the node's agent still runs the process
    await(s -> s.phase().equals("up"));
    kit.createTestProbe().awaitAssert(Duration.ofSeconds(2), () -> {
      assertEquals(old, state().current().runId());
      assertEquals(launches, runtime.launches.size(), "adopted, not started again");
      assertTrue(runtime.stops.isEmpty(), "and not stopped");
      return null;
    });
  }

  @Test
  void aProcessItsNodeNoLongerRunsIsRecordedAndTheDynoStartsAgain() {
    String old = runningUp(1);
    int launches = runtime.launches.size();
    // what the agent of a restarted node answers when asked to adopt
    dyno.runCommand(new DynoEntity.NotRunning(old, "node test-node does not run it"));
    await(s -> s.current() != null && !s.current().runId().equals(old) && !s.current().status().equals("placed"));
    kit.createTestProbe().awaitAssert(Duration.ofSeconds(5), () -> {
      assertEquals(launches + 1, runtime.launches.size());
      return null;
    });
    assertEquals("starting", state().phase());
    assertNotEquals(old, state().current().runId());
    List<Object> events = dyno.persistenceTestKit().persistedInStorage("Dyno|" + entityId);
    assertTrue(events.stream().anyMatch(e -> e instanceof DynoEntity.Stopped st && st.runId().equals(old)
        && st.status() == 137), events.toString());
  }

  @Test
  void aLostNodesProcessesAreReplacedAndAStaleLaunchReportIsStopped() {
    String old = runningUp(1);
    dyno.runCommand(new DynoEntity.NodeLost("test-node"));
    await(s -> s.current() != null && !s.current().runId().equals(old) && !s.current().status().equals("placed"));
    // a node that reports a start the dyno no longer wants is told to stop it
    dyno.runCommand(new DynoEntity.ProcessLaunched(old, 20999, 99, "test-node"));
    kit.createTestProbe().awaitAssert(Duration.ofSeconds(5), () -> {
      assertTrue(runtime.stops.contains(old), runtime.stops.toString());
      return null;
    });
  }

  @Test
  void anIdledDynoStaysIdleUntilWokenEvenAcrossRecovery() {
    String runId = runningUp(1);
    var idled = dyno.runCommand(new DynoEntity.Idle(by()));
    assertInstanceOf(DynoEntity.Idled.class, idled.events().get(0));
    kit.createTestProbe().awaitAssert(Duration.ofSeconds(5), () -> {
      assertEquals(List.of(runId), runtime.stops);
      return null;
    });
    runtime.exit(runId, 143, false, false);
    await(s -> s.phase().equals("idle"));
    int launches = runtime.launches.size();
    dyno.restart();
    assertEquals("idle", state().phase());
    assertEquals(launches, runtime.launches.size(), "an idle dyno is not started by recovery");
    var woken = dyno.runCommand(new DynoEntity.Wake(by()));
    assertInstanceOf(DynoEntity.Woken.class, woken.events().get(0));
    started(woken.events().get(1));
  }

  @Test
  void aReleaseArrivingWhileTheLastOneIsStillStartingReplacesItAndTheOldKeepsServing() {
    String old = runningUp(1);
    var second = dyno.<Reply>runCommand(r -> new DynoEntity.Run(spec("web", 2), by(), r));
    String v2 = started(second.events().get(1));
    dyno.<Reply>runCommand(r -> new DynoEntity.Run(spec("web", 3), by(), r));
    kit.createTestProbe().awaitAssert(Duration.ofSeconds(5), () -> {
      assertTrue(runtime.stops.contains(v2), "the half-started v2 is stopped");
      return null;
    });
    runtime.exit(v2, 143, false, false);
    await(s -> s.current() != null && s.current().releaseVersion() == 3 && !s.current().status().equals("placed"));
    assertEquals(old, state().previous().runId(), "v1 still serves");
    assertEquals("up", state().phase());
    runtime.up(state().current().runId());
    await(s -> s.current().status().equals("up") && s.previous() != null && s.previous().status().equals("stopping"));
    assertEquals(3, state().shownRelease());
  }

  @Test
  void aStartThePlatformCannotMakeIsNoCrashAndIsTriedAgain() {
    runtime.failingStarts.set(1);
    var result = dyno.<Reply>runCommand(r -> new DynoEntity.Run(spec("web", 1), by(), r));
    assertInstanceOf(DynoEntity.Placed.class, result.events().get(1));
    await(s -> s.startFailures() == 1);
    DynoEntity.StartFailed failed = (DynoEntity.StartFailed) dyno.persistenceTestKit()
        .persistedInStorage("Dyno|" + entityId).get(2);
    assertTrue(failed.reason().contains("no free port"), failed.reason());
    assertEquals("starting", state().phase());
    assertNull(state().lastCrashRestartAt(), "no crash, so no cooldown");
    assertNull(state().lastExitStatus());
    assertTrue(runtime.launches.isEmpty());
    // the retry comes by itself, DynoEntity.START_RETRY later
    kit.createTestProbe().awaitAssert(Duration.ofSeconds(15), () -> {
      assertEquals(1, runtime.launches.size());
      return null;
    });
    runtime.up(runtime.lastRun());
    await(s -> s.phase().equals("up"));
    assertNull(state().lastCrashRestartAt());
  }

  @Test
  void aProcessThatDiesBeforeItIsUpCrashedFromStarting() {
    var result = dyno.<Reply>runCommand(r -> new DynoEntity.Run(spec("web", 1), by(), r));
    String neverUp = started(result.events().get(1));
    runtime.exit(neverUp, 1, false, false);
    await(s -> s.current() != null && !s.current().runId().equals(neverUp) && !s.current().status().equals("placed")); // the first crash restarts at once
    String restarted = state().current().runId();
    runtime.up(restarted);
    await(s -> s.phase().equals("up"));
    now.set(now.get().plus(COOLDOWN).plusSeconds(1));
    runtime.exit(restarted, 2, false, false);
    await(s -> s.lastExitStatus() != null && s.lastExitStatus() == 2);
    List<DynoEntity.Crashed> crashes = new java.util.ArrayList<>();
    for (Object e : dyno.persistenceTestKit().persistedInStorage("Dyno|" + entityId)) {
      if (e instanceof DynoEntity.Crashed c) {
        crashes.add(c);
      }
    }
    assertEquals(List.of("starting", "up"), crashes.stream().map(DynoEntity.Crashed::from).toList());
  }

  @Test
  void platformStartFailuresAreTriedAgainLessAndLessOften() {
    assertEquals(Duration.ofSeconds(5), DynoEntity.startRetryDelay(1));
    assertEquals(Duration.ofSeconds(10), DynoEntity.startRetryDelay(2));
    assertEquals(Duration.ofSeconds(160), DynoEntity.startRetryDelay(6));
    assertEquals(Duration.ofMinutes(5), DynoEntity.startRetryDelay(7));
    assertEquals(Duration.ofMinutes(5), DynoEntity.startRetryDelay(1000));
  }
}
