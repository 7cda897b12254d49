package skiff.platform.node;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;
import skiff.http.api.ApiResponse;
import skiff.http.api.ApiRoutes;
import skiff.http.api.Representations;

/**
 * {@code GET /nodes} (admins): every node the journal database has heard from, with its cluster
 * state as this node's membership view has it ({@code up}, {@code joining}, {@code leaving},
 * {@code unreachable}, …; {@code gone} for a node that is no longer a member and has stopped
 * saying it is alive).
 */
final class NodeEndpoints {
  private final NodeRegistry registry;
  private final String self;
  private final ActorSystem<?> system;

  NodeEndpoints(NodeRegistry registry, String self, ActorSystem<?> system) {
    this.registry = registry;
    this.self = self;
    this.system = system;
  }

  void register(ApiRoutes routes) {
    routes.get("/nodes", call -> CompletableFuture.completedStage(ApiResponse.ok(nodes())));
  }

  private ArrayNode nodes() {
    Cluster cluster = Cluster.get(system);
    Map<String, String> states = new HashMap<>();
    Set<Member> unreachable = cluster.state().getUnreachable();
    for (Member m : cluster.state().getMembers()) {
      String address = m.address().host().get() + ":" + m.address().port().get();
      states.put(address, unreachable.contains(m) ? "unreachable" : m.status().toString().toLowerCase());
    }
    Instant now = Instant.now();
    ArrayNode list = Representations.JSON.createArrayNode();
    for (NodeRegistry.Row row : registry.all()) {
      ObjectNode n = list.addObject();
      n.put("name", row.name());
      n.put("address", row.address());
      n.put("api_url", row.apiUrl());
      n.put("state", states.getOrDefault(row.address(), row.fresh(now) ? "starting" : "gone"));
      n.put("dynos", row.dynos());
      n.put("self", row.name().equals(self));
      n.put("started_at", Representations.time(row.startedAt()));
      n.put("seen_at", Representations.time(row.seenAt()));
    }
    return list;
  }
}
