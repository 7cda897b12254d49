package skiff.platform.node;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;
import skiff.actors.apps.AppEntity.LiveApp;
import skiff.actors.apps.AppObserver;
import skiff.actors.dynos.DynoWatcher;
import skiff.http.router.AppEntry;
import skiff.http.router.RoutingTable;
import skiff.persistence.CborSerializable;

/**
 * What every node's router must know, from whichever node decided it: each app's routing settings,
 * each web dyno's state with the node and port its process serves on, and each node's router
 * address. Three replicated maps of Pekko Distributed Data, written by the entities' nodes (an app
 * or dyno entity publishes through here after each persisted change) and by each node for its own
 * router; every node's {@link RoutingTable} follows them.
 *
 * <p>Distributed Data rather than pub-sub: a node that joins, or comes back, gets the whole current
 * state at once (a topic only carries what is said while it listens, and nothing would tell it of
 * the dynos that have been up for hours); rather than a projection of the journal: a dyno's port is
 * where it serves now, which only matters while the cluster runs, and reading it from the
 * replicator's memory costs no database round trip. Writes go to every reachable node at once
 * (WriteAll), and subscribers are told within {@code notify-subscribers-interval} (50 ms), well
 * within the second a router may lag. The maps are last-writer-wins by entry: one dyno's entity
 * writes its entry, from one node at a time.
 *
 * <p>The node that writes an entry applies it to its own table at once, in the entity's order, so
 * a client whose change was answered finds this node's router already following it; its follower
 * then skips entries this node (this run of it) wrote, which would otherwise come back a moment
 * later and, crossing a newer change, undo it for that moment.
 */
final class ClusterRoutes implements AppObserver, DynoWatcher {
  /** One web dyno as its entity last published it, and which node's run wrote it. */
  record DynoRoute(String appId, String dyno, String state, int port, String node, String writer)
      implements CborSerializable {}

  /** One app's routing settings, and which node's run wrote them. */
  record AppRouting(AppEntry app, String writer) implements CborSerializable {}

  /** Where a node's router listens, and the cluster member it is (for reachability). */
  record RouterAddress(String node, String host, int port, String member) implements CborSerializable {}

  static final Key<LWWMap<String, AppRouting>> APPS = LWWMapKey.create("skiff-routes-apps");
  static final Key<LWWMap<String, DynoRoute>> DYNOS = LWWMapKey.create("skiff-routes-dynos");
  static final Key<LWWMap<String, RouterAddress>> ROUTERS = LWWMapKey.create("skiff-routes-routers");
  private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(3);

  private final ActorSystem<?> system;
  private final ActorRef<Replicator.Command> replicator;
  private final SelfUniqueAddress selfAddress;
  private final String self;
  /** This run of this node: its name and the cluster's unique id for it. */
  private final String writer;
  private final RoutingTable table;

  private ClusterRoutes(ActorSystem<?> system, String self, RoutingTable table) {
    this.system = system;
    this.replicator = DistributedData.get(system).replicator();
    this.selfAddress = DistributedData.get(system).selfUniqueAddress();
    this.self = self;
    this.writer = self + "#" + selfAddress.uniqueAddress().longUid();
    this.table = table;
  }

  /** Starts publishing for this node ({@code self}) and keeps {@code table} current with every node's routing. */
  static ClusterRoutes start(ActorSystem<?> system, String self, RoutingTable table) {
    ClusterRoutes routes = new ClusterRoutes(system, self, table);
    system.systemActorOf(Follower.create(table, routes.writer), "routing-follower", Props.empty());
    return routes;
  }

  /** This node's router listens on {@code host:port}: other nodes' routers send their hops there. */
  void routerAt(String host, int port) {
    String member = system.address().toString();
    write(ROUTERS, self, new RouterAddress(self, host, port, member));
  }

  @Override
  public void changed(LiveApp app) {
    AppEntry entry = AppEntry.of(app);
    table.put(entry);
    write(APPS, app.id(), new AppRouting(entry, writer));
  }

  @Override
  public void gone(String appId, String name) {
    table.gone(appId, name);
    remove(APPS, appId);
    // and its web dynos, whatever their entities last said
    String prefix = appId + "/";
    replicator.tell(new Replicator.Update<>(DYNOS, LWWMap.<String, DynoRoute>create(),
        new Replicator.WriteAll(WRITE_TIMEOUT), system.ignoreRef(), m -> {
          LWWMap<String, DynoRoute> left = m;
          for (String key : m.getEntries().keySet()) {
            if (key.startsWith(prefix)) {
              left = left.remove(selfAddress, key);
            }
          }
          return left;
        }));
    replicator.tell(Replicator.flushChanges());
  }

  @Override
  public void changed(String appId, String dynoName, String state, int port) {
    changed(appId, dynoName, state, port, self);
  }

  @Override
  public void changed(String appId, String dynoName, String state, int port, String node) {
    if (!dynoName.startsWith("web.")) {
      return; // only web dynos are routed to
    }
    String key = appId + "/" + dynoName;
    String where = node == null ? self : node;
    table.changed(appId, dynoName, state, port, where);
    if (state.equals("down") && port <= 0) {
      remove(DYNOS, key);
    } else {
      write(DYNOS, key, new DynoRoute(appId, dynoName, state, port, where, writer));
    }
  }

  private <V> void write(Key<LWWMap<String, V>> map, String key, V value) {
    replicator.tell(new Replicator.Update<>(map, LWWMap.<String, V>create(), new Replicator.WriteAll(WRITE_TIMEOUT),
        system.ignoreRef(), m -> {
          // an entry that says the same already is left as it is (an app's every event republishes it)
          scala.Option<V> current = m.get(key);
          return current.isDefined() && current.get().equals(value) ? m : m.put(selfAddress, key, value);
        }));
    // this node's own router follows at once, not at the next notification tick
    replicator.tell(Replicator.flushChanges());
  }

  private <V> void remove(Key<LWWMap<String, V>> map, String key) {
    replicator.tell(new Replicator.Update<>(map, LWWMap.<String, V>create(), new Replicator.WriteAll(WRITE_TIMEOUT),
        system.ignoreRef(), m -> m.remove(selfAddress, key)));
    replicator.tell(Replicator.flushChanges());
  }

  /**
   * Applies each change of the three maps to this node's routing table (what changed since the
   * last notification, not the whole map; not an entry this run of the node wrote, which it
   * applied as it wrote it), and the cluster's reachability: a node that cannot be reached gets no
   * hops.
   */
  private static final class Follower {
    private final RoutingTable table;
    private final String writer;
    private Map<String, AppRouting> apps = Map.of();
    private Map<String, DynoRoute> dynos = Map.of();
    private final Map<String, String> nodeOfMember = new HashMap<>();

    private Follower(RoutingTable table, String writer) {
      this.table = table;
      this.writer = writer;
    }

    static Behavior<Object> create(RoutingTable table, String writer) {
      return Behaviors.setup(ctx -> {
        Follower follower = new Follower(table, writer);
        ActorRef<Replicator.Command> replicator = DistributedData.get(ctx.getSystem()).replicator();
        replicator.tell(new Replicator.Subscribe<>(APPS, ctx.getSelf().narrow()));
        replicator.tell(new Replicator.Subscribe<>(DYNOS, ctx.getSelf().narrow()));
        replicator.tell(new Replicator.Subscribe<>(ROUTERS, ctx.getSelf().narrow()));
        Cluster.get(ctx.getSystem()).subscriptions().tell(Subscribe.create(ctx.getSelf().narrow(),
            ClusterEvent.ReachabilityEvent.class));
        Cluster.get(ctx.getSystem()).subscriptions().tell(Subscribe.create(ctx.getSelf().narrow(),
            ClusterEvent.MemberRemoved.class));
        Cluster.get(ctx.getSystem()).subscriptions().tell(Subscribe.create(ctx.getSelf().narrow(),
            ClusterEvent.MemberUp.class));
        return Behaviors.receiveMessage(message -> {
          follower.apply(message);
          return Behaviors.same();
        });
      });
    }

    @SuppressWarnings("unchecked")
    private void apply(Object message) {
      if (message instanceof Replicator.Changed<?> changed) {
        if (changed.key().equals(APPS)) {
          apps((LWWMap<String, AppRouting>) changed.dataValue());
        } else if (changed.key().equals(DYNOS)) {
          dynos((LWWMap<String, DynoRoute>) changed.dataValue());
        } else if (changed.key().equals(ROUTERS)) {
          routers((LWWMap<String, RouterAddress>) changed.dataValue());
        }
      } else if (message instanceof ClusterEvent.UnreachableMember m) {
        reachable(m.member().address().toString(), false);
      } else if (message instanceof ClusterEvent.MemberRemoved m) {
        reachable(m.member().address().toString(), false);
      } else if (message instanceof ClusterEvent.MemberUp m) {
        reachable(m.member().address().toString(), true);
      } else if (message instanceof ClusterEvent.ReachableMember m) {
        reachable(m.member().address().toString(), true);
      }
    }

    private void apps(LWWMap<String, AppRouting> map) {
      Map<String, AppRouting> now = Map.copyOf(map.getEntries());
      now.forEach((id, app) -> {
        if (!app.writer().equals(writer) && !app.equals(apps.get(id))) {
          table.put(app.app());
        }
      });
      apps.forEach((id, app) -> {
        if (!now.containsKey(id) && !app.writer().equals(writer)) {
          table.gone(id, app.app().name());
        }
      });
      apps = now;
    }

    private void dynos(LWWMap<String, DynoRoute> map) {
      Map<String, DynoRoute> now = Map.copyOf(map.getEntries());
      now.forEach((key, d) -> {
        if (!d.writer().equals(writer) && !d.equals(dynos.get(key))) {
          table.changed(d.appId(), d.dyno(), d.state(), d.port(), d.node());
        }
      });
      dynos.forEach((key, d) -> {
        if (!now.containsKey(key) && !d.writer().equals(writer)) {
          table.changed(d.appId(), d.dyno(), "down", 0, d.node());
        }
      });
      dynos = now;
    }

    private void routers(LWWMap<String, RouterAddress> map) {
      map.getEntries().forEach((node, r) -> {
        String before = nodeOfMember.put(r.member(), node);
        if (!Objects.equals(before, node) && before != null) {
          table.reachable(before, true);
        }
        table.routerAt(node, new InetSocketAddress(r.host(), r.port()));
      });
    }

    private void reachable(String member, boolean reachable) {
      String node = nodeOfMember.get(member);
      if (node != null) {
        table.reachable(node, reachable);
      }
    }
  }
}
