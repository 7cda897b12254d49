package skiff.actors.dynos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

/**
 * This node's view of the nodes that run dynos: which agent runs which node (the receptionist's
 * listing, so a downed node drops out), what each runs and may run (asked every second), and where
 * a new dyno process should go. A dyno entity reads it the way it reads the clock: the decision it
 * takes from it is what goes into the journal.
 */
public final class DynoNodes {
  /** How long after this node's start a node no agent speaks for may still be one we have not heard of. */
  static final Duration GRACE = Duration.ofSeconds(15);
  private static final Duration POLL = Duration.ofSeconds(1);

  /** Where a node stands, as far as this node knows. */
  public sealed interface Where {}

  public record Live(ActorRef<DynoAgent.Command> agent) implements Where {}

  /** Not listed yet: this node may not have heard of it (ask again shortly). */
  public record NotYetKnown() implements Where {}

  /** Downed, gone or never a node: its processes are gone with it. */
  public record Gone() implements Where {}

  private record View(Map<String, ActorRef<DynoAgent.Command>> agents, Map<String, DynoAgent.Load> loads) {}

  private final String self;
  private final long startedAt = System.nanoTime();
  private final Set<String> everListed = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private volatile View view;
  private final ActorSystem<?> system;

  /** {@code localAgent} is known from the start: the node never waits for its own listing to place a dyno. */
  public DynoNodes(ActorSystem<?> system, String self, ActorRef<DynoAgent.Command> localAgent) {
    this.system = system;
    this.self = self;
    this.view = new View(Map.of(self, localAgent), Map.of());
    everListed.add(self);
    system.systemActorOf(watcher(), "dyno-nodes-" + java.net.URLEncoder.encode(self,
        java.nio.charset.StandardCharsets.UTF_8), Props.empty());
  }

  public String self() {
    return self;
  }

  public Where find(String node) {
    if (node == null) {
      return new Gone(); // a process from before nodes were named: the platform it ran under is gone
    }
    View v = view;
    ActorRef<DynoAgent.Command> agent = v.agents().get(node);
    if (agent != null) {
      return new Live(agent);
    }
    // not listed: gone, once every member of the cluster has an agent listed here (so it cannot be
    // one of theirs); until then, and for a short while after this node's start, maybe not yet heard of
    boolean young = System.nanoTime() - startedAt < GRACE.toNanos();
    return young && !everListed.contains(node) && unlistedMembers(v) > 0 ? new NotYetKnown() : new Gone();
  }

  /** How many members of the cluster (as this node sees it) have no agent in {@code v}. */
  private int unlistedMembers(View v) {
    org.apache.pekko.cluster.typed.Cluster cluster = org.apache.pekko.cluster.typed.Cluster.get(system);
    org.apache.pekko.actor.Address selfAddress = cluster.selfMember().address();
    Set<org.apache.pekko.actor.Address> listed = new HashSet<>();
    for (ActorRef<DynoAgent.Command> agent : v.agents().values()) {
      org.apache.pekko.actor.Address address = agent.path().address();
      listed.add(address.hasLocalScope() ? selfAddress : address);
    }
    int unlisted = 0;
    for (org.apache.pekko.cluster.Member member : cluster.state().getMembers()) {
      if (member.status() == org.apache.pekko.cluster.MemberStatus.up()
          || member.status() == org.apache.pekko.cluster.MemberStatus.weaklyUp()) {
        unlisted += listed.contains(member.address()) ? 0 : 1;
      }
    }
    return unlisted;
  }

  /**
   * The node for a new process of {@code dynoName} needing {@code memoryBytes}: the node its last
   * process ran on if that one still has room (a dyno stays put while it can: adding a node moves
   * nothing), else the next node with room from a place drawn from the app and the dyno's index,
   * so an app's dynos of one type spread evenly (web.1…web.6 on three nodes: two each). Empty when
   * no node has room; never {@code avoid} (the node the dyno is moving off), if given. The node is
   * counted one dyno fuller at once, so a burst of placements before the next poll spreads too.
   */
  public synchronized Optional<String> place(String appId, String dynoName, String lastNode, long memoryBytes,
      String avoid) {
    View v = view;
    if (lastNode != null && !lastNode.equals(avoid) && v.agents().containsKey(lastNode)
        && room(v, lastNode, memoryBytes)) {
      return Optional.of(reserve(v, lastNode, memoryBytes));
    }
    // the ring is of the nodes that take dynos: a draining node (or the one a dyno moves off) is
    // left out, not skipped, so its share spreads over all the others rather than its successor
    List<String> names = new ArrayList<>();
    for (String node : new TreeMap<>(v.agents()).keySet()) {
      DynoAgent.Load load = v.loads().get(node);
      if (!node.equals(avoid) && (load == null || !load.draining())) {
        names.add(node);
      }
    }
    if (names.isEmpty()) {
      return Optional.empty();
    }
    int dot = dynoName.lastIndexOf('.');
    int index = dot < 0 ? 1 : parseIndex(dynoName.substring(dot + 1));
    String type = dot < 0 ? dynoName : dynoName.substring(0, dot);
    int start = Math.floorMod((appId + ":" + type).hashCode() + index - 1, names.size());
    for (int i = 0; i < names.size(); i++) {
      String node = names.get((start + i) % names.size());
      if (room(v, node, memoryBytes)) {
        return Optional.of(reserve(v, node, memoryBytes));
      }
    }
    return Optional.empty();
  }

  private static int parseIndex(String s) {
    try {
      return Integer.parseInt(s);
    } catch (NumberFormatException e) {
      return 1;
    }
  }

  private static boolean room(View v, String node, long memoryBytes) {
    DynoAgent.Load load = v.loads().get(node);
    return load == null || load.hasRoomFor(memoryBytes);
  }

  private String reserve(View v, String node, long memoryBytes) {
    DynoAgent.Load load = v.loads().get(node);
    if (load != null) {
      Map<String, DynoAgent.Load> loads = new HashMap<>(v.loads());
      loads.put(node, new DynoAgent.Load(node, load.dynos() + 1, load.memoryBytes() + memoryBytes, load.capacity(),
          load.draining()));
      view = new View(v.agents(), Map.copyOf(loads));
    }
    return node;
  }

  /**
   * How many more dynos of {@code memoryBytes} each the cluster has room for, -1 when a node is
   * unlimited (or not heard from): from every node's load asked now, as a scale is checked against
   * what runs, not against a view up to a second old.
   */
  public CompletionStage<Long> roomNow(long memoryBytes, Duration timeout) {
    return loads(timeout).thenApply(loads -> loads.size() < view.agents().size() ? -1L : room(loads, memoryBytes));
  }

  static long room(List<DynoAgent.Load> loads, long memoryBytes) {
    long total = 0;
    for (DynoAgent.Load load : loads) {
      if (load.draining()) {
        continue;
      }
      if (load.capacity().unlimited()) {
        return -1;
      }
      long byCount = load.capacity().dynos() == 0 ? Long.MAX_VALUE : load.capacity().dynos() - load.dynos();
      long byMemory = load.capacity().memoryBytes() == 0 || memoryBytes == 0 ? Long.MAX_VALUE
          : (load.capacity().memoryBytes() - load.memoryBytes()) / memoryBytes;
      total += Math.max(0, Math.min(byCount, byMemory));
    }
    return total;
  }

  /** Every listed node's load, asked now. */
  public CompletionStage<List<DynoAgent.Load>> loads(Duration timeout) {
    List<CompletableFuture<DynoAgent.Load>> asks = new ArrayList<>();
    for (ActorRef<DynoAgent.Command> agent : view.agents().values()) {
      asks.add(AskPattern.<DynoAgent.Command, DynoAgent.Load>ask(agent, DynoAgent.GetLoad::new, timeout,
          system.scheduler()).toCompletableFuture().exceptionally(e -> null));
    }
    return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new)).thenApply(v -> asks.stream()
        .map(CompletableFuture::join).filter(java.util.Objects::nonNull).toList());
  }

  private sealed interface Msg {}

  private record Listed(Set<ActorRef<DynoAgent.Command>> agents) implements Msg {}

  private enum Poll implements Msg { INSTANCE }

  private record Loaded(DynoAgent.Load load) implements Msg {}

  private Behavior<Msg> watcher() {
    return Behaviors.setup(ctx -> {
      ctx.getSystem().receptionist().tell(Receptionist.subscribe(DynoAgent.KEY,
          ctx.messageAdapter(Receptionist.Listing.class, listing -> new Listed(listing.getServiceInstances(
              DynoAgent.KEY)))));
      ActorRef<DynoAgent.Load> loaded = ctx.messageAdapter(DynoAgent.Load.class, Loaded::new);
      return Behaviors.withTimers(timers -> {
        timers.startTimerWithFixedDelay(Poll.INSTANCE, Duration.ZERO, POLL);
        return Behaviors.receive(Msg.class)
            .onMessage(Listed.class, listed -> {
              Map<String, ActorRef<DynoAgent.Command>> agents = new HashMap<>();
              for (ActorRef<DynoAgent.Command> agent : listed.agents()) {
                DynoAgent.nodeOf(agent).ifPresent(node -> agents.put(node, agent));
              }
              // our own agent stays ours, even in a listing made before it registered
              everListed.addAll(agents.keySet());
              update(v -> {
                agents.putIfAbsent(self, v.agents().get(self));
                Map<String, DynoAgent.Load> loads = new HashMap<>(v.loads());
                loads.keySet().retainAll(agents.keySet());
                return new View(Map.copyOf(agents), Map.copyOf(loads));
              });
              return Behaviors.same();
            })
            .onMessage(Poll.class, poll -> {
              view.agents().values().forEach(agent -> agent.tell(new DynoAgent.GetLoad(loaded)));
              return Behaviors.same();
            })
            .onMessage(Loaded.class, l -> {
              update(v -> {
                if (!v.agents().containsKey(l.load().node())) {
                  return v;
                }
                Map<String, DynoAgent.Load> loads = new HashMap<>(v.loads());
                loads.put(l.load().node(), l.load());
                return new View(v.agents(), Map.copyOf(loads));
              });
              return Behaviors.same();
            })
            .build();
      });
    });
  }

  private synchronized void update(java.util.function.UnaryOperator<View> change) {
    view = change.apply(view);
  }

  /** Tells {@code node}'s agent to drain; answers how many dynos were asked to move, empty if no such node. */
  public CompletionStage<Optional<Integer>> drain(String node, skiff.actors.Cause cause, Duration timeout) {
    ActorRef<DynoAgent.Command> agent = view.agents().get(node);
    if (agent == null) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    return AskPattern.<DynoAgent.Command, Integer>ask(agent, r -> new DynoAgent.Drain(cause, r), timeout,
        system.scheduler()).thenApply(Optional::of);
  }

  /** Nodes in this node's view now, by name. */
  public Set<String> names() {
    return new HashSet<>(view.agents().keySet());
  }
}
