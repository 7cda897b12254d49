package skiff.http.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The control plane: hosts to apps, dyno events to backends, and the snapshot it publishes. */
class RoutingTableTest {
  private final RoutingTable table = new RoutingTable("apps.test");

  private static AppEntry app(String id, String name, List<String> domains) {
    return new AppEntry(id, name, false, true, 1, null, null, domains);
  }

  @Test
  void hostsFindTheirAppAnyCaseAnyPortAndFollowRenamesAndDomains() {
    table.put(app("a1", "blog", List.of("www.example.test")));
    RoutingSnapshot before = table.snapshot();
    assertEquals("a1", before.appFor("blog.apps.test").app().appId());
    assertEquals("a1", before.appFor("BLOG.Apps.Test:8080").app().appId());
    assertEquals("a1", before.appFor("www.example.test").app().appId());
    assertNull(before.appFor("other.apps.test"));

    table.put(app("a1", "journal", List.of()));
    RoutingSnapshot after = table.snapshot();
    assertNull(after.appFor("blog.apps.test"), "the old name is gone");
    assertNull(after.appFor("www.example.test"), "so is the removed domain");
    assertEquals("a1", after.appFor("journal.apps.test").app().appId());
    assertEquals("a1", before.appFor("blog.apps.test").app().appId(), "a published snapshot never changes");

    table.gone("a1", "journal");
    assertNull(table.snapshot().appFor("journal.apps.test"));
  }

  @Test
  void aDynoIsABackendWhileItHasAPortAndANewProcessIsANewBackend() {
    table.put(app("a1", "web", List.of()));
    table.changed("a1", "worker.1", "up", 0);
    table.changed("a1", "web.1", "starting", 0);
    AppRoute starting = table.snapshot().byId().get("a1");
    assertTrue(starting.backends().isEmpty());
    assertTrue(starting.anyComing());
    assertFalse(starting.allCrashed());

    table.changed("a1", "web.1", "up", 20001);
    Backend first = table.snapshot().byId().get("a1").backends().get(0);
    first.begin();
    table.changed("a1", "web.1", "up", 20001);
    assertSame(first, table.snapshot().byId().get("a1").backends().get(0), "same process, same count");
    table.changed("a1", "web.1", "up", 20002);
    Backend second = table.snapshot().byId().get("a1").backends().get(0);
    assertNotSame(first, second);
    assertEquals(0, second.outstanding(), "the old process's request does not count against the new one");

    table.changed("a1", "web.1", "crashed", 0);
    assertTrue(table.snapshot().byId().get("a1").allCrashed());
    table.changed("a1", "web.1", "idle", 0);
    assertTrue(table.snapshot().byId().get("a1").idle());
  }

  @Test
  void powerOfTwoChoicesNeverPicksTheBusierOfTwoAndSkipsQuarantinedAndExcluded() {
    table.put(app("a1", "web", List.of()));
    table.changed("a1", "web.1", "up", 20001);
    table.changed("a1", "web.2", "up", 20002);
    AppRoute route = table.snapshot().byId().get("a1");
    Backend busy = route.backends().get(0);
    Backend free = route.backends().get(1);
    for (int i = 0; i < 5; i++) {
      busy.begin();
    }
    for (int i = 0; i < 100; i++) {
      assertSame(free, route.pick(List.of()));
    }
    free.quarantine(TimeUnit.SECONDS.toNanos(5));
    assertSame(busy, route.pick(List.of()), "a quarantined backend is passed over");
    assertNull(route.pick(List.of(busy)), "nothing left to try");
  }

  @Test
  void aDrainedProcessGetsNoNewRequestAndIsDrainedWhenItsLastRequestEnds() throws Exception {
    table.put(app("a1", "web", List.of()));
    table.changed("a1", "web.1", "up", 20001);
    table.changed("a1", "web.2", "up", 20002);
    Backend old = table.snapshot().byId().get("a1").backends().get(0);
    old.begin();
    var drained = table.drain("a1", old.dyno(), old.port(), java.time.Duration.ofSeconds(10)).toCompletableFuture();
    assertFalse(table.snapshot().byId().get("a1").backends().contains(old), "out of routing at once");
    Thread.sleep(100);
    assertFalse(drained.isDone(), "a request is still in flight");
    old.finish();
    drained.get(2, TimeUnit.SECONDS);
    table.changed("a1", old.dyno(), "up", old.port());
    assertFalse(table.snapshot().byId().get("a1").backends().contains(old), "never back: it is about to stop");
    table.changed("a1", old.dyno(), "up", 20003);
    assertEquals(2, table.snapshot().byId().get("a1").backends().size(), "its dyno's next process is routed to");
    assertTrue(table.drain("a1", "web.9", 1, java.time.Duration.ofSeconds(1)).toCompletableFuture().isDone(),
        "nothing to drain for an unknown process");
  }

  @Test
  void aLoneWebDynoWithoutRequestsIsAnIdleCandidate() throws InterruptedException {
    table.put(app("a1", "web", List.of()));
    table.changed("a1", "web.1", "up", 20001);
    Thread.sleep(20);
    assertEquals(List.of("a1"), table.idleCandidates(TimeUnit.MILLISECONDS.toNanos(10)));
    table.snapshot().byId().get("a1").activity().touch(System.nanoTime());
    assertEquals(List.of(), table.idleCandidates(TimeUnit.MILLISECONDS.toNanos(10)));
  }
}
