package skiff.http.router;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import skiff.actors.apps.AppEntity.LiveApp;
import skiff.actors.apps.AppObserver;
import skiff.actors.dynos.DynoWatcher;

/**
 * The router's control plane: kept current by the apps' and dynos' routing as the cluster publishes
 * it (every node's table holds every app and every web dyno, with the node each runs on), it
 * publishes an immutable {@link RoutingSnapshot} after each change. Changes are rare and serialized
 * here; the data plane only ever reads {@link #snapshot()}, so a request never waits for a lock or
 * an entity. A dyno on another node is a backend reached through that node's router ({@link Hop});
 * one on a node that is unreachable, or whose router is not known yet, gets no requests.
 */
public final class RoutingTable implements AppObserver, DynoWatcher {
  /** How long a drain in a cluster waits at least: other routers may still be sending it a hop. */
  static final long CLUSTER_SETTLE_NANOS = TimeUnit.MILLISECONDS.toNanos(300);
  /** How long a replaced process of this node stays a hop target with nothing in flight. */
  private static final long RETIRED_NANOS = TimeUnit.SECONDS.toNanos(60);

  /** What the latest change said of one web dyno. */
  private record DynoState(String state, int port, String node, long upSince, Backend backend) {}

  /** A process of this node that another of its dyno replaced: still a hop and drain target a while. */
  private record Retired(Backend backend, long since) {}

  private final String domain;
  private final IntFunction<DynoEndpoint> endpoints;
  private final String self;
  private final Map<String, AppEntry> apps = new HashMap<>();
  private final Map<String, Map<String, DynoState>> dynos = new HashMap<>();
  private final Map<String, AppActivity> activity = new HashMap<>();
  /** Backends about to get SIGTERM: out of routing until their dyno reports another process. */
  private final Set<Backend> draining = new HashSet<>();
  private final Map<String, Retired> retired = new LinkedHashMap<>();
  /** Each other node's router, which reaches that node's dynos. */
  private final Map<String, InetSocketAddress> routers = new ConcurrentHashMap<>();
  private final Set<String> unreachable = new HashSet<>();
  private final ScheduledExecutorService drainChecks = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "skiff-router-drain");
    t.setDaemon(true);
    return t;
  });
  private volatile RoutingSnapshot snapshot = RoutingSnapshot.EMPTY;

  /** Dynos on this host's loopback (unsealed, or in a test). */
  public RoutingTable(String domain) {
    this(domain, DynoEndpoint::loopback, null);
  }

  /** A table for one node alone: {@code endpoints} as below. */
  public RoutingTable(String domain, IntFunction<DynoEndpoint> endpoints) {
    this(domain, endpoints, null);
  }

  /**
   * {@code endpoints}: where a web dyno of this node given a port listens, asked once per new
   * process; {@code self}: this node's name (a dyno said to run on another node is reached through
   * that node's router).
   */
  public RoutingTable(String domain, IntFunction<DynoEndpoint> endpoints, String self) {
    this.domain = domain;
    this.endpoints = endpoints;
    this.self = self;
  }

  public RoutingSnapshot snapshot() {
    return snapshot;
  }

  @Override
  public void changed(LiveApp app) {
    put(AppEntry.of(app));
  }

  /** The app's settings as they now are. */
  public synchronized void put(AppEntry app) {
    apps.put(app.appId(), app);
    activity.computeIfAbsent(app.appId(), id -> new AppActivity(System.nanoTime()));
    publish();
  }

  @Override
  public synchronized void gone(String appId, String name) {
    apps.remove(appId);
    Map<String, DynoState> appDynos = dynos.remove(appId);
    if (appDynos != null) {
      appDynos.values().forEach(d -> draining.remove(d.backend()));
    }
    activity.remove(appId);
    publish();
  }

  /** A dyno of this node. */
  @Override
  public void changed(String appId, String dynoName, String state, int port) {
    changed(appId, dynoName, state, port, null);
  }

  /** {@code node}: where the process serving on {@code port} runs (null: this node). */
  @Override
  public synchronized void changed(String appId, String dynoName, String state, int port, String node) {
    if (!dynoName.startsWith("web.")) {
      return;
    }
    String where = node == null || node.equals(self) ? null : node;
    Map<String, DynoState> appDynos = dynos.computeIfAbsent(appId, id -> new LinkedHashMap<>());
    DynoState old = appDynos.get(dynoName);
    long upSince = old != null && old.state().equals("up") && state.equals("up") ? old.upSince() : System.nanoTime();
    // the same process keeps its backend (and its outstanding count); a new port is a new process
    Backend backend = port <= 0 ? null
        : old != null && old.backend() != null && old.port() == port && Objects.equals(old.node(), where)
            ? old.backend()
        : new Backend(dynoName, port, where == null ? endpoints.apply(port) : routerOf(where), where, appId);
    if (old != null && old.backend() != null && old.backend() != backend) {
      draining.remove(old.backend());
      if (old.backend().node() == null) {
        retired.put(Hop.target(appId, dynoName, old.port()), new Retired(old.backend(), System.nanoTime()));
      }
    }
    if (backend != null && where == null) {
      retired.remove(Hop.target(appId, dynoName, port));
    }
    appDynos.put(dynoName, new DynoState(state, port, where, upSince, backend));
    publish();
  }

  /** Where {@code node}'s router listens, as that node said (the address hops go to). */
  public synchronized void routerAt(String node, InetSocketAddress address) {
    if (node.equals(self) || address.equals(routers.get(node))) {
      return;
    }
    routers.put(node, address);
    publish();
  }

  /** Whether {@code node} is reachable: a node that is not gets no hops until it is again. */
  public synchronized void reachable(String node, boolean reachable) {
    if (reachable ? unreachable.remove(node) : unreachable.add(node)) {
      publish();
    }
  }

  private DynoEndpoint routerOf(String node) {
    InetSocketAddress nowhere = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    // asked at each new connection: a node's router that moved is followed
    return () -> routers.getOrDefault(node, nowhere);
  }

  /**
   * The process on {@code port} gets no new request from now on; the answer completes when it has
   * none in flight (checked every 20 ms; in a cluster not before other routers' hops sent before
   * they heard of it have arrived), or after {@code within}, and then it may get SIGTERM.
   */
  @Override
  public CompletionStage<Void> drain(String appId, String dynoName, int port, Duration within) {
    Backend backend;
    long settle;
    synchronized (this) {
      DynoState d = dynos.getOrDefault(appId, Map.of()).get(dynoName);
      Retired replaced = retired.get(Hop.target(appId, dynoName, port));
      backend = d != null && d.port() == port && d.node() == null ? d.backend()
          : replaced != null ? replaced.backend() : null;
      if (backend == null) {
        return CompletableFuture.completedFuture(null);
      }
      draining.add(backend);
      settle = routers.isEmpty() ? 0 : CLUSTER_SETTLE_NANOS;
      publish();
    }
    CompletableFuture<Void> drained = new CompletableFuture<>();
    long begun = System.nanoTime();
    long deadline = begun + within.toNanos();
    Runnable[] check = new Runnable[1];
    check[0] = () -> {
      long now = System.nanoTime();
      if (backend.outstanding() <= 0 && now - begun >= settle || now - deadline >= 0) {
        synchronized (this) {
          retired.remove(Hop.target(appId, dynoName, port));
        }
        drained.complete(null);
      } else {
        drainChecks.schedule(check[0], 20, TimeUnit.MILLISECONDS);
      }
    };
    drainChecks.execute(check[0]);
    return drained;
  }

  private void publish() {
    long now = System.nanoTime();
    retired.values().removeIf(r -> r.backend().outstanding() <= 0 && now - r.since() > RETIRED_NANOS);
    Map<String, AppRoute> byId = new HashMap<>();
    Map<String, AppRoute> byHost = new HashMap<>();
    Map<String, Backend> processes = new HashMap<>();
    for (AppEntry app : apps.values()) {
      AppRoute route = route(app);
      byId.put(app.appId(), route);
      byHost.put((app.name() + "." + domain).toLowerCase(java.util.Locale.ROOT), route);
      app.customDomains().forEach(host -> byHost.put(host.toLowerCase(java.util.Locale.ROOT), route));
    }
    dynos.forEach((appId, appDynos) -> appDynos.forEach((name, d) -> {
      if (d.backend() != null && d.node() == null) {
        processes.put(Hop.target(appId, name, d.port()), d.backend());
      }
    }));
    retired.forEach((target, r) -> processes.putIfAbsent(target, r.backend()));
    snapshot = new RoutingSnapshot(Map.copyOf(byHost), Map.copyOf(byId), Map.copyOf(processes));
  }

  private AppRoute route(AppEntry app) {
    Map<String, DynoState> appDynos = dynos.getOrDefault(app.appId(), Map.of());
    List<Backend> backends = new ArrayList<>();
    boolean allCrashed = !appDynos.isEmpty();
    boolean anyComing = false;
    for (DynoState d : appDynos.values()) {
      if (d.backend() != null && !draining.contains(d.backend())
          && (d.node() == null || routers.containsKey(d.node()) && !unreachable.contains(d.node()))) {
        backends.add(d.backend());
      }
      allCrashed &= d.state().equals("crashed");
      anyComing |= d.port() > 0 || List.of("starting", "idle", "up").contains(d.state());
    }
    DynoState web1 = appDynos.get("web.1");
    boolean idle = web1 != null && web1.state().equals("idle");
    return new AppRoute(app, List.copyOf(backends), allCrashed, anyComing, idle, activity.get(app.appId()));
  }

  /**
   * Apps whose one and only web dyno has been up without a request for {@code idleAfterNanos}:
   * Heroku idles those (the seed's eco dynos); the next request wakes them.
   */
  public synchronized List<String> idleCandidates(long idleAfterNanos) {
    long now = System.nanoTime();
    List<String> out = new ArrayList<>();
    for (AppEntry app : apps.values()) {
      DynoState web1 = dynos.getOrDefault(app.appId(), Map.of()).get("web.1");
      // a web.1 on another node is idled by that node's table, where every request to it is counted
      if (app.webQuantity() != 1 || web1 == null || !web1.state().equals("up") || web1.backend() == null
          || web1.node() != null || web1.backend().outstanding() > 0) {
        continue;
      }
      long last = Math.max(web1.upSince(), activity.get(app.appId()).lastRequest());
      if (now - last >= idleAfterNanos) {
        out.add(app.appId());
      }
    }
    return out;
  }
}
