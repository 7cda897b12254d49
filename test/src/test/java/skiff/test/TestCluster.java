package skiff.test;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Real node processes on one machine forming one cluster on a fresh PostgreSQL database: nodes
 * {@code n1}, {@code n2}, … with distinct ports and homes, {@code n1} the seed. Closing stops them
 * all (and what they left running) and drops the database.
 */
final class TestCluster implements AutoCloseable {
  final String database;
  final List<ServerProcess> nodes = new ArrayList<>();
  final List<Map<String, String>> envs = new ArrayList<>();

  private TestCluster(String database) {
    this.database = database;
  }

  /** Starts {@code size} nodes, each with {@code extra} settings, and waits until all are up members. */
  static TestCluster start(int size, Map<String, String> extra) throws Exception {
    TestCluster cluster = new TestCluster(TestDatabases.create());
    try {
      String key = Base64.getEncoder().encodeToString(new byte[32]);
      int seedPort = TestNode.freePort();
      for (int i = 1; i <= size; i++) {
        Map<String, String> env = TestNode.clusterEnv(cluster.database, key, "n" + i,
            i == 1 ? seedPort : TestNode.freePort());
        env.put("SKIFF_SEED_NODES", "127.0.0.1:" + seedPort);
        env.putAll(extra);
        cluster.envs.add(env);
        ServerProcess node = ServerProcess.start(env);
        cluster.nodes.add(node);
        assertTrue(node.ready(), node.output.toString());
      }
      ClusterFailoverTest.await(() -> cluster.api(1).get("/nodes").expect(200).body(), all -> all.size() == size
          && all.findValuesAsText("state").stream().allMatch("up"::equals), Duration.ofSeconds(60));
      return cluster;
    } catch (Exception | AssertionError e) {
      cluster.close();
      throw e;
    }
  }

  /** Node {@code n} (1-based). */
  ServerProcess node(int n) {
    return nodes.get(n - 1);
  }

  /** Node {@code n}'s API, as the admin. */
  Api api(int n) {
    return new Api(node(n).apiPort, TestNode.TOKEN);
  }

  @Override
  public void close() throws Exception {
    for (ServerProcess node : nodes) {
      node.close();
    }
    TestDatabases.drop(database);
  }
}
