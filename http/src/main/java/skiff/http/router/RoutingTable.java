package skiff.http.router;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import skiff.actors.apps.AppEntity.LiveApp;
import skiff.actors.apps.AppObserver;
import skiff.actors.apps.FormationEntry;
import skiff.actors.dynos.DynoWatcher;

/**
 * What the router knows, kept current by the apps' and dynos' own events (it never asks an
 * entity on the request path): which host is which app, whether it is in maintenance or has code,
 * and each web dyno's state, port and outstanding requests.
 */
public final class RoutingTable implements AppObserver, DynoWatcher {

  /** The parts of an app the router needs. */
  public record AppRoute(String appId, String name, boolean maintenance, boolean deployed, int webQuantity,
      String errorPageUrl, String maintenancePageUrl, List<String> customDomains) {}

  /** One web dyno as a backend. */
  public static final class Backend {
    final String dyno;
    volatile String state;
    volatile int port;
    final AtomicInteger outstanding = new AtomicInteger();
    final AtomicLong quarantinedUntil = new AtomicLong();
    volatile long upSince;

    Backend(String dyno) {
      this.dyno = dyno;
    }

    public String dyno() {
      return dyno;
    }

    public int port() {
      return port;
    }

    public int outstanding() {
      return outstanding.get();
    }

    boolean usable(long now) {
      return port > 0 && quarantinedUntil.get() <= now;
    }
  }

  private final String domain;
  private final Map<String, AppRoute> byId = new ConcurrentHashMap<>();
  private final Map<String, String> idByHost = new ConcurrentHashMap<>();
  private final Map<String, Map<String, Backend>> backends = new ConcurrentHashMap<>();
  private final Map<String, Long> lastRequest = new ConcurrentHashMap<>();

  public RoutingTable(String domain) {
    this.domain = domain;
  }

  @Override
  public void changed(LiveApp app) {
    AppRoute old = byId.get(app.id());
    FormationEntry web = app.formation().get("web");
    int quantity = web != null && app.processTypes().containsKey("web") ? web.quantity() : 0;
    AppRoute route = new AppRoute(app.id(), app.name(), app.maintenance(), app.currentSlugId() != null, quantity,
        app.config().get("ERROR_PAGE_URL"), app.config().get("MAINTENANCE_PAGE_URL"), app.customDomains());
    byId.put(app.id(), route);
    if (old != null) {
      idByHost.remove(old.name() + "." + domain);
      old.customDomains().forEach(idByHost::remove);
    }
    idByHost.put(app.name() + "." + domain, app.id());
    app.customDomains().forEach(host -> idByHost.put(host, app.id()));
  }

  @Override
  public void gone(String appId, String name) {
    AppRoute old = byId.remove(appId);
    idByHost.remove(name + "." + domain);
    if (old != null) {
      old.customDomains().forEach(idByHost::remove);
    }
    backends.remove(appId);
  }

  @Override
  public void changed(String appId, String dynoName, String state, int port) {
    if (!dynoName.startsWith("web.")) {
      return;
    }
    Backend backend = backends.computeIfAbsent(appId, id -> new ConcurrentHashMap<>())
        .computeIfAbsent(dynoName, Backend::new);
    if (!state.equals(backend.state) && state.equals("up")) {
      backend.upSince = System.nanoTime();
    }
    backend.state = state;
    if (backend.port != port) {
      backend.quarantinedUntil.set(0);
    }
    backend.port = port;
  }

  /** The app a Host header names: NAME.domain (any port). */
  public Optional<AppRoute> appFor(String host) {
    String hostname = host.contains(":") ? host.substring(0, host.lastIndexOf(':')) : host;
    String id = idByHost.get(hostname.toLowerCase());
    return id == null ? Optional.empty() : Optional.ofNullable(byId.get(id));
  }

  /** Power of two choices: of two random usable dynos, the one with fewer requests outstanding. */
  public Optional<Backend> pick(String appId, List<Backend> exclude) {
    List<Backend> candidates = usable(appId, exclude);
    if (candidates.isEmpty()) {
      return Optional.empty();
    }
    if (candidates.size() == 1) {
      return Optional.of(candidates.get(0));
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    Backend a = candidates.get(random.nextInt(candidates.size()));
    Backend b = candidates.get(random.nextInt(candidates.size() - 1));
    if (b == a) {
      b = candidates.get(candidates.size() - 1);
    }
    return Optional.of(a.outstanding.get() <= b.outstanding.get() ? a : b);
  }

  /** Random choice, only for the benchmark that shows why power of two choices matters. */
  public Optional<Backend> pickRandom(String appId) {
    List<Backend> candidates = usable(appId, List.of());
    return candidates.isEmpty() ? Optional.empty()
        : Optional.of(candidates.get(ThreadLocalRandom.current().nextInt(candidates.size())));
  }

  private List<Backend> usable(String appId, List<Backend> exclude) {
    Map<String, Backend> dynos = backends.get(appId);
    if (dynos == null) {
      return List.of();
    }
    long now = System.nanoTime();
    List<Backend> out = new ArrayList<>(dynos.size());
    for (Backend b : dynos.values()) {
      if (b.usable(now) && !exclude.contains(b)) {
        out.add(b);
      }
    }
    return out;
  }

  /** Whether some web dyno is on its way up (starting, or up but quarantined): worth waiting for. */
  public boolean anyComing(String appId) {
    Map<String, Backend> dynos = backends.get(appId);
    return dynos != null && dynos.values().stream()
        .anyMatch(b -> "starting".equals(b.state) || "idle".equals(b.state) || "up".equals(b.state) || b.port > 0);
  }

  public boolean allCrashed(String appId) {
    Map<String, Backend> dynos = backends.get(appId);
    return dynos != null && !dynos.isEmpty() && dynos.values().stream().allMatch(b -> "crashed".equals(b.state));
  }

  /** A request for the app arrived now (idling counts from the last one). */
  public void touch(String appId) {
    lastRequest.put(appId, System.nanoTime());
  }

  public boolean idle(String appId) {
    Map<String, Backend> dynos = backends.get(appId);
    Backend web1 = dynos == null ? null : dynos.get("web.1");
    return web1 != null && "idle".equals(web1.state);
  }

  /**
   * Apps whose one and only web dyno has been up without a request for {@code idleAfterNanos}:
   * Heroku idles those (the seed's eco dynos); the next request wakes them.
   */
  public List<String> idleCandidates(long idleAfterNanos) {
    long now = System.nanoTime();
    List<String> out = new ArrayList<>();
    for (AppRoute app : byId.values()) {
      Map<String, Backend> dynos = backends.get(app.appId());
      if (app.webQuantity() != 1 || dynos == null) {
        continue;
      }
      Backend web1 = dynos.get("web.1");
      if (web1 == null || !"up".equals(web1.state) || web1.outstanding.get() > 0) {
        continue;
      }
      long last = Math.max(web1.upSince, lastRequest.getOrDefault(app.appId(), 0L));
      if (now - last >= idleAfterNanos) {
        out.add(app.appId());
      }
    }
    return out;
  }

  static void quarantine(Backend backend, long nanos) {
    backend.quarantinedUntil.set(System.nanoTime() + nanos);
  }
}
