package skiff.actors.dynos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Placement over the listed agents, and what an agent answers for processes it does or does not run. */
class DynoNodesTest {
  private static final ActorTestKit kit = ActorTestKit.create();

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private static ActorRef<DynoAgent.Command> agent(String node, NodeCapacity capacity, FakeRuntime runtime) {
    return kit.spawn(DynoAgent.create(runtime, DynoWatcher.NONE, capacity, Runnable::run), DynoAgent.actorName(node));
  }

  @Test
  void anAppsDynosSpreadEvenlyStayPutAndAFullNodeIsPassedOver() {
    ActorRef<DynoAgent.Command> a = agent("node-a", NodeCapacity.UNLIMITED, new FakeRuntime("node-a"));
    agent("node-b", NodeCapacity.UNLIMITED, new FakeRuntime("node-b"));
    ActorRef<DynoAgent.Command> c = agent("node-c", new NodeCapacity(2, 0), new FakeRuntime("node-c"));
    DynoNodes nodes = new DynoNodes(kit.system(), "node-a", a);
    kit.createTestProbe().awaitAssert(Duration.ofSeconds(5), () -> {
      assertEquals(3, nodes.names().size(), nodes.names().toString());
      assertInstanceOf(DynoNodes.Live.class, nodes.find("node-c"));
      return null;
    });
    Map<String, Integer> counts = new TreeMap<>();
    for (int i = 1; i <= 6; i++) {
      counts.merge(nodes.place("app-1", "web." + i, null, 0, null).orElseThrow(), 1, Integer::sum);
    }
    assertEquals(Map.of("node-a", 2, "node-b", 2, "node-c", 2), counts, "web=6 on three nodes: two each");
    assertEquals(Optional.of("node-b"), nodes.place("app-1", "web.2", "node-b", 0, null), "a dyno stays on its node");
    assertInstanceOf(DynoNodes.Gone.class, nodes.find(null));

    // node-c fills up (two dynos of two); once it has said so, placement passes it over
    TestProbe<DynoEntity.Command> dyno = kit.createTestProbe();
    DynoSpec spec = new DynoSpec("app-3", "blog", "web", 1, 1, "SHA256:aa", "./web", Map.of(), "Basic", "debian-12");
    c.tell(new DynoAgent.Launch("c-1", spec, 0, dyno.getRef()));
    c.tell(new DynoAgent.Launch("c-2", spec, 0, dyno.getRef()));
    dyno.expectMessageClass(DynoEntity.ProcessLaunched.class);
    dyno.expectMessageClass(DynoEntity.ProcessLaunched.class);
    kit.createTestProbe().awaitAssert(Duration.ofSeconds(5), () -> {
      for (int i = 1; i <= 9; i++) {
        assertTrue(!nodes.place("app-2", "worker." + i, "node-c", 0, null).orElseThrow().equals("node-c"));
      }
      return null;
    });
  }

  @Test
  void anAgentAnswersForItsProcessesAndRefusesBeyondItsCapacity() {
    FakeRuntime runtime = new FakeRuntime("node-x");
    ActorRef<DynoAgent.Command> agent = agent("node-x", new NodeCapacity(1, 0), runtime);
    TestProbe<DynoEntity.Command> dyno = kit.createTestProbe();
    DynoSpec spec = new DynoSpec("app", "blog", "web", 1, 1, "SHA256:aa", "./web", Map.of(), "Basic", "debian-12");

    agent.tell(new DynoAgent.Adopt("never-ran", dyno.getRef()));
    assertEquals("never-ran", dyno.expectMessageClass(DynoEntity.NotRunning.class).runId());

    agent.tell(new DynoAgent.Launch("run-1", spec, 512L << 20, dyno.getRef()));
    DynoEntity.ProcessLaunched launched = dyno.expectMessageClass(DynoEntity.ProcessLaunched.class);
    assertEquals("run-1", launched.runId());
    agent.tell(new DynoAgent.Launch("run-1", spec, 512L << 20, dyno.getRef()));
    dyno.expectMessageClass(DynoEntity.ProcessLaunched.class);
    assertEquals(1, runtime.launches.size(), "a launch told twice starts once");

    agent.tell(new DynoAgent.Launch("run-2", spec, 512L << 20, dyno.getRef()));
    DynoEntity.LaunchFailed full = dyno.expectMessageClass(DynoEntity.LaunchFailed.class);
    assertTrue(full.reason().contains("node-x is full"), full.reason());

    // a dyno entity that moved adopts the running process; its reports follow it
    TestProbe<DynoEntity.Command> moved = kit.createTestProbe();
    runtime.up("run-1");
    dyno.expectMessageClass(DynoEntity.ProcessUp.class);
    agent.tell(new DynoAgent.Adopt("run-1", moved.getRef()));
    moved.expectMessageClass(DynoEntity.ProcessLaunched.class);
    moved.expectMessageClass(DynoEntity.ProcessUp.class);
    runtime.exit("run-1", 0, false, false);
    moved.expectMessageClass(DynoEntity.ProcessExited.class);
    dyno.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void aDynoThatMovesWhileItsNodeDrainsIsToldToMoveOffWhenItAdopts() {
    ActorTestKit alone = ActorTestKit.create(); // a system where no other test counts this agent
    FakeRuntime runtime = new FakeRuntime("node-d");
    ActorRef<DynoAgent.Command> agent = alone.spawn(DynoAgent.create(runtime, DynoWatcher.NONE,
        NodeCapacity.UNLIMITED, Runnable::run), DynoAgent.actorName("node-d"));
    TestProbe<DynoEntity.Command> dyno = alone.createTestProbe();
    DynoSpec spec = new DynoSpec("app-d", "blog", "web", 1, 1, "SHA256:aa", "./web", Map.of(), "Basic", "debian-12");
    agent.tell(new DynoAgent.Launch("d-1", spec, 0, dyno.getRef()));
    dyno.expectMessageClass(DynoEntity.ProcessLaunched.class);
    runtime.up("d-1");
    dyno.expectMessageClass(DynoEntity.ProcessUp.class);

    // the drain reaches the incarnation the agent knows, which is (say) being handed off just then
    TestProbe<Integer> asked = alone.createTestProbe();
    skiff.actors.Cause cause = new skiff.actors.Cause("admin@skiff.local", java.time.Instant.EPOCH, null);
    agent.tell(new DynoAgent.Drain(cause, asked.getRef()));
    assertEquals(1, asked.receiveMessage());
    assertEquals("node-d", dyno.expectMessageClass(DynoEntity.MoveOff.class).node());

    // its next incarnation adopts the process and is told too, not left running on a draining node
    TestProbe<DynoEntity.Command> moved = alone.createTestProbe();
    agent.tell(new DynoAgent.Adopt("d-1", moved.getRef()));
    moved.expectMessageClass(DynoEntity.ProcessLaunched.class);
    moved.expectMessageClass(DynoEntity.ProcessUp.class);
    DynoEntity.MoveOff again = moved.expectMessageClass(DynoEntity.MoveOff.class);
    assertEquals("node-d", again.node());
    assertEquals(cause, again.cause());
    alone.shutdownTestKit();
  }

  @Test
  void theClustersRoomFollowsWhatItsNodesRun() {
    ActorTestKit alone = ActorTestKit.create(); // a system where no other test's agents are listed
    FakeRuntime runtime = new FakeRuntime("node-r1");
    ActorRef<DynoAgent.Command> r1 = alone.spawn(DynoAgent.create(runtime, DynoWatcher.NONE, new NodeCapacity(3, 0),
        Runnable::run), DynoAgent.actorName("node-r1"));
    DynoNodes nodes = new DynoNodes(alone.system(), "node-r1", r1);
    kit.createTestProbe().awaitAssert(Duration.ofSeconds(5), () -> {
      assertEquals(3, nodes.roomNow(0, Duration.ofSeconds(2)).toCompletableFuture().join());
      return null;
    });
    TestProbe<DynoEntity.Command> dyno = alone.createTestProbe();
    DynoSpec spec = new DynoSpec("app-r", "blog", "web", 1, 1, "SHA256:aa", "./web", Map.of(), "Basic", "debian-12");
    r1.tell(new DynoAgent.Launch("r-1", spec, 0, dyno.getRef()));
    r1.tell(new DynoAgent.Launch("r-2", spec, 0, dyno.getRef()));
    kit.createTestProbe().awaitAssert(Duration.ofSeconds(5), () -> {
      assertEquals(1, nodes.roomNow(0, Duration.ofSeconds(2)).toCompletableFuture().join());
      return null;
    });
    alone.shutdownTestKit();
  }

  @Test
  void capacityIsReadAsDynosMemoryOrBoth() {
    assertEquals(new NodeCapacity(20, 8L << 30), NodeCapacity.parse("20, 8GB"));
    assertEquals(new NodeCapacity(0, 512L << 20), NodeCapacity.parse("512mb"));
    assertEquals(NodeCapacity.UNLIMITED, NodeCapacity.parse(""));
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> NodeCapacity.parse("lots"));
    assertTrue(bad.getMessage().contains("'lots'"), bad.getMessage());
  }
}
