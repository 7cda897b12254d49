package skiff.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import skiff.platform.node.SettingsException;
import skiff.platform.node.SkiffNode;

/**
 * Nodes on one PostgreSQL journal: each says who it is in the node registry (GET /nodes, with its
 * cluster state), a second node started without seed nodes is refused instead of forming a second
 * cluster on the same journal, one started with a seed joins and shares the first one's CA and
 * bootstrap token, and one with another master key or bootstrap token is refused.
 */
class ClusterNodesTest {
  @Test
  void aSecondNodeWithoutSeedsIsRefusedAndWithASeedItJoins() throws Exception {
    String database = TestDatabases.create();
    String key = Base64.getEncoder().encodeToString(new byte[32]);
    try {
      int portA = TestNode.freePort();
      Map<String, String> a = TestNode.clusterEnv(database, key, "node-a", portA);
      try (SkiffNode first = TestNode.start(a)) {
        Api api = new Api(first.apiPort(), TestNode.TOKEN);
        JsonNode nodes = api.get("/nodes").expect(200).body();
        assertEquals(1, nodes.size(), nodes.toString());
        assertEquals("node-a", nodes.get(0).path("name").asText());
        assertEquals("127.0.0.1:" + portA, nodes.get(0).path("address").asText());
        assertEquals("up", nodes.get(0).path("state").asText());
        assertTrue(nodes.get(0).path("self").asBoolean());

        Map<String, String> lone = TestNode.clusterEnv(database, key, "node-b", TestNode.freePort());
        SettingsException refused = assertThrows(SettingsException.class, () -> TestNode.start(lone).close());
        assertTrue(refused.getMessage().contains("node-a") && refused.getMessage().contains(
            "SKIFF_SEED_NODES=127.0.0.1:" + portA), refused.getMessage());

        Map<String, String> b = TestNode.clusterEnv(database, key, "node-b", TestNode.freePort());
        b.put("SKIFF_SEED_NODES", "127.0.0.1:" + portA);
        try (SkiffNode second = TestNode.start(b)) {
          JsonNode both = awaitNodes(api, 2, "up");
          assertEquals("node-b", both.get(1).path("name").asText(), both.toString());
          // the other node answers the same, with itself marked
          JsonNode fromB = new Api(second.apiPort(), TestNode.TOKEN).get("/nodes").expect(200).body();
          assertEquals("node-a", fromB.get(0).path("name").asText());
          assertTrue(fromB.get(1).path("self").asBoolean() && !fromB.get(0).path("self").asBoolean(), fromB.toString());
          // one CA for the cluster: a client trusting the first node's ca.pem talks TLS to the second
          Path caA = Path.of(a.get("SKIFF_HOME"), "tls", "ca.pem");
          assertEquals(Files.readString(caA), Files.readString(Path.of(b.get("SKIFF_HOME"), "tls", "ca.pem")));
          var https = TestTls.client(caA).send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:"
              + second.apiTlsPort() + "/account")).header("Authorization", "Bearer " + TestNode.TOKEN)
              .header("Accept", "application/vnd.heroku+json; version=3").build(), HttpResponse.BodyHandlers.ofString());
          assertEquals(200, https.statusCode(), https.body());

          // a node that would seal with another master key, or bring another bootstrap token, is refused
          Map<String, String> otherKey = TestNode.clusterEnv(database, Base64.getEncoder().encodeToString(new byte[] {
              1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29,
              30, 31, 32}), "node-c", TestNode.freePort());
          otherKey.put("SKIFF_SEED_NODES", "127.0.0.1:" + portA);
          SettingsException keyRefused = assertThrows(SettingsException.class, () -> TestNode.start(otherKey).close());
          assertTrue(keyRefused.getMessage().contains("not the one this journal's secrets were sealed with"),
              keyRefused.getMessage());
          Map<String, String> otherToken = TestNode.clusterEnv(database, key, "node-c", TestNode.freePort());
          otherToken.put("SKIFF_SEED_NODES", "127.0.0.1:" + portA);
          otherToken.put("SKIFF_ADMIN_TOKEN", "skiff-someone-elses-token");
          SettingsException tokenRefused = assertThrows(SettingsException.class,
              () -> TestNode.start(otherToken).close());
          assertTrue(tokenRefused.getMessage().contains("SKIFF_ADMIN_TOKEN"), tokenRefused.getMessage());
        }
        // a node that leaves on purpose takes its row with it
        assertEquals(1, awaitNodes(api, 1, "up").size());

        // a node given no token answers to the cluster's, and keeps no token of its own to mislead anyone
        Map<String, String> plain = TestNode.clusterEnv(database, key, "node-d", TestNode.freePort());
        plain.put("SKIFF_SEED_NODES", "127.0.0.1:" + portA);
        plain.remove("SKIFF_ADMIN_TOKEN");
        try (SkiffNode fourth = TestNode.start(plain)) {
          new Api(fourth.apiPort(), TestNode.TOKEN).get("/account").expect(200);
          assertTrue(!Files.exists(Path.of(plain.get("SKIFF_HOME"), "admin.token")));
        }
      }
    } finally {
      TestDatabases.drop(database);
    }
  }

  private static JsonNode awaitNodes(Api api, int count, String state) throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    JsonNode nodes = null;
    while (System.nanoTime() < deadline) {
      nodes = api.get("/nodes").expect(200).body();
      boolean all = nodes.size() == count;
      for (JsonNode n : nodes) {
        all &= n.path("state").asText().equals(state);
      }
      if (all) {
        return nodes;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("not " + count + " nodes " + state + ": " + nodes);
  }


}
