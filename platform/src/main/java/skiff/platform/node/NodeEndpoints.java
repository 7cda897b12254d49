package skiff.platform.node;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import skiff.actors.dynos.DynoAgent;
import skiff.actors.dynos.DynoNodes;
import skiff.http.api.ApiError;
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
  private final DynoNodes dynoNodes;

  NodeEndpoints(NodeRegistry registry, String self, ActorSystem<?> system, DynoNodes dynoNodes) {
    this.registry = registry;
    this.self = self;
    this.system = system;
    this.dynoNodes = dynoNodes;
  }

  void register(ApiRoutes routes) {
    routes.get("/nodes", call -> dynoNodes.loads(Duration.ofSeconds(2)).thenApply(loads -> ApiResponse.ok(
        nodes(loads))));
    routes.post("/nodes/{node}/actions/drain", call -> dynoNodes.drain(call.param("node"), call.cause(),
        Duration.ofSeconds(5)).thenApply(asked -> {
          int moving = asked.orElseThrow(() -> ApiError.notFound("No node " + call.param("node") + " runs dynos in"
              + " this cluster (skiff nodes lists them)."));
          ObjectNode n = Representations.JSON.createObjectNode();
          n.put("name", call.param("node"));
          n.put("draining", true);
          n.put("moving", moving);
          return ApiResponse.accepted(n);
        }));
  }

  private ArrayNode nodes(List<DynoAgent.Load> loads) {
    Map<String, DynoAgent.Load> byNode = new HashMap<>();
    loads.forEach(l -> byNode.put(l.node(), l));
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
      DynoAgent.Load load = byNode.get(row.name());
      n.put("dynos", load != null ? load.dynos() : row.dynos());
      if (load != null) {
        ObjectNode capacity = n.putObject("capacity");
        capacity.put("dynos", load.capacity().dynos());
        capacity.put("memory_mb", load.capacity().memoryBytes() >> 20);
        n.put("memory_mb", load.memoryBytes() >> 20);
        n.put("draining", load.draining());
      }
      n.put("self", row.name().equals(self));
      n.put("started_at", Representations.time(row.startedAt()));
      n.put("seen_at", Representations.time(row.seenAt()));
    }
    return list;
  }
}
