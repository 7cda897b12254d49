package skiff.http.router;

import java.time.Duration;
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
 * The router's control plane: kept current by the apps' and dynos' own events, it publishes an
 * immutable {@link RoutingSnapshot} after each change. Changes are rare and serialized here; the
 * data plane only ever reads {@link #snapshot()}, so a request never waits for a lock or an entity.
 */
public final class RoutingTable implements AppObserver, DynoWatcher {
  /** What the latest event said of one web dyno. */
  private record DynoState(String state, int port, long upSince, Backend backend) {}

  private final String domain;
  private final IntFunction<DynoEndpoint> endpoints;
  private final Map<String, AppEntry> apps = new HashMap<>();
  private final Map<String, Map<String, DynoState>> dynos = new HashMap<>();
  private final Map<String, AppActivity> activity = new HashMap<>();
  /** Backends about to get SIGTERM: out of routing until their dyno reports another process. */
  private final Set<Backend> draining = new HashSet<>();
  private final ScheduledExecutorService drainChecks = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "skiff-router-drain");
    t.setDaemon(true);
    return t;
  });
  private volatile RoutingSnapshot snapshot = RoutingSnapshot.EMPTY;

  /** Dynos on this host's loopback (unsealed, or in a test). */
  public RoutingTable(String domain) {
    this(domain, DynoEndpoint::loopback);
  }

  /** {@code endpoints}: where the web dyno given a port listens, asked once per new process. */
  public RoutingTable(String domain, IntFunction<DynoEndpoint> endpoints) {
    this.domain = domain;
    this.endpoints = endpoints;
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

  @Override
  public synchronized void changed(String appId, String dynoName, String state, int port) {
    if (!dynoName.startsWith("web.")) {
      return;
    }
    Map<String, DynoState> appDynos = dynos.computeIfAbsent(appId, id -> new LinkedHashMap<>());
    DynoState old = appDynos.get(dynoName);
    long upSince = old != null && old.state().equals("up") && state.equals("up") ? old.upSince() : System.nanoTime();
    // the same process keeps its backend (and its outstanding count); a new port is a new process
    Backend backend = port <= 0 ? null
        : old != null && old.backend() != null && old.port() == port ? old.backend()
        : new Backend(dynoName, port, endpoints.apply(port));
    if (old != null && old.backend() != null && old.backend() != backend) {
      draining.remove(old.backend());
    }
    appDynos.put(dynoName, new DynoState(state, port, upSince, backend));
    publish();
  }

  /**
   * The process on {@code port} gets no new request from now on; the answer completes when it has
   * none in flight (checked every 20 ms), or after {@code within}, and then it may get SIGTERM.
   */
  @Override
  public CompletionStage<Void> drain(String appId, String dynoName, int port, Duration within) {
    Backend backend;
    synchronized (this) {
      DynoState d = dynos.getOrDefault(appId, Map.of()).get(dynoName);
      backend = d != null && d.port() == port ? d.backend() : null;
      if (backend == null) {
        return CompletableFuture.completedFuture(null);
      }
      draining.add(backend);
      publish();
    }
    CompletableFuture<Void> drained = new CompletableFuture<>();
    long deadline = System.nanoTime() + within.toNanos();
    Runnable[] check = new Runnable[1];
    check[0] = () -> {
      if (backend.outstanding() <= 0 || System.nanoTime() - deadline >= 0) {
        drained.complete(null);
      } else {
        drainChecks.schedule(check[0], 20, TimeUnit.MILLISECONDS);
      }
    };
    drainChecks.execute(check[0]);
    return drained;
  }

  private void publish() {
    Map<String, AppRoute> byId = new HashMap<>();
    Map<String, AppRoute> byHost = new HashMap<>();
    for (AppEntry app : apps.values()) {
      AppRoute route = route(app);
      byId.put(app.appId(), route);
      byHost.put((app.name() + "." + domain).toLowerCase(java.util.Locale.ROOT), route);
      app.customDomains().forEach(host -> byHost.put(host.toLowerCase(java.util.Locale.ROOT), route));
    }
    snapshot = new RoutingSnapshot(Map.copyOf(byHost), Map.copyOf(byId));
  }

  private AppRoute route(AppEntry app) {
    Map<String, DynoState> appDynos = dynos.getOrDefault(app.appId(), Map.of());
    List<Backend> backends = new ArrayList<>();
    boolean allCrashed = !appDynos.isEmpty();
    boolean anyComing = false;
    for (DynoState d : appDynos.values()) {
      if (d.backend() != null && !draining.contains(d.backend())) {
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
      if (app.webQuantity() != 1 || web1 == null || !web1.state().equals("up") || web1.backend() == null
          || web1.backend().outstanding() > 0) {
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
