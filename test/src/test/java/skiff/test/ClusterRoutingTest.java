package skiff.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real node processes: an app whose web dynos run on nodes 2 and 3 only is served through
 * every node's router, each dyno seen in the answers; a dyno's move off a drained node, under
 * steady load through another node's router, loses no request.
 */
class ClusterRoutingTest {
  private static final String APP = "everywhere";

  @TempDir
  Path work;

  @Test
  void everyNodesRouterServesEveryDynoAndADrainLosesNoRequest() throws Exception {
    try (TestCluster cluster = TestCluster.start(3, Map.of("SKIFF_SIGTERM_GRACE", "5s"))) {
      Api n1 = cluster.api(1);
      // node 1 takes no dynos: the app's run on nodes 2 and 3 alone
      n1.post("/nodes/n1/actions/drain", "{}").expect(202);
      RouterTest.deployNode(n1, cluster.node(1).apiPort, work, APP, 4);
      JsonNode dynos = ClusterFailoverTest.await(() -> DynoTest.dynos(n1, APP),
          all -> ClusterFailoverTest.upOn(all, 4) != null, Duration.ofSeconds(60));
      assertEquals(Map.of("n2", 2, "n3", 2), ClusterFailoverTest.upOn(dynos, 4), dynos.toString());

      for (int n = 1; n <= 3; n++) {
        Map<String, Integer> answeredBy = new TreeMap<>();
        for (int i = 0; i < 200; i++) {
          HttpResponse<String> r = RouterTest.through(cluster.node(n).routerPort, APP, "/", Map.of());
          assertEquals(200, r.statusCode(), "through n" + n + ": " + r.body());
          answeredBy.merge(r.body(), 1, Integer::sum);
        }
        assertEquals(Set.of("web.1", "web.2", "web.3", "web.4"), answeredBy.keySet(),
            "every web dyno answers through n" + n + "'s router: " + answeredBy);
      }

      // node 3 drains while node 1's router carries steady load: its dynos move to node 2, with a
      // preboot, and not one request fails
      String outcome;
      try (SteadyLoad load = new SteadyLoad(cluster.node(1).routerPort, APP)) {
        Thread.sleep(1000);
        n1.post("/nodes/n3/actions/drain", "{}").expect(202);
        ClusterFailoverTest.await(() -> DynoTest.dynos(n1, APP), all -> {
          Map<String, Integer> on = ClusterFailoverTest.upOn(all, 4);
          return on != null && on.equals(Map.of("n2", 4));
        }, Duration.ofSeconds(90));
        // the processes left behind are drained and get SIGTERM while the load goes on
        Thread.sleep(3000);
        load.close();
        outcome = load.outcome();
        assertTrue(load.ok.get() > 100, "the load ran: " + outcome);
      }
      System.out.println("drain of n3 under load through n1: " + outcome);
      assertTrue(outcome.startsWith("0 failed"), outcome);
      Set<String> nodesNow = new TreeSet<>();
      DynoTest.dynos(n1, APP).forEach(d -> nodesNow.add(d.path("node").asText()));
      assertEquals(Set.of("n2"), nodesNow);
    }
  }
}
