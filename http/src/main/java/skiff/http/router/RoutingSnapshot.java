package skiff.http.router;

import java.util.Map;

/**
 * Everything the router needs to route a request, immutable: the data plane reads one snapshot per
 * request from a volatile reference and never takes a lock; the control plane publishes a new one
 * after each change. {@code processes}: this node's web processes by {@link Hop#target}, the ones
 * other nodes' routers may send a hop to (a replaced one too, while it may still be serving).
 */
public record RoutingSnapshot(Map<String, AppRoute> byHost, Map<String, AppRoute> byId,
    Map<String, Backend> processes) {
  public static final RoutingSnapshot EMPTY = new RoutingSnapshot(Map.of(), Map.of(), Map.of());

  /** The app a Host header names: {@code NAME.domain} or a custom domain, any port, any case. */
  public AppRoute appFor(String host) {
    if (host == null) {
      return null;
    }
    int colon = host.lastIndexOf(':');
    String name = colon >= 0 && host.indexOf(']') < colon ? host.substring(0, colon) : host;
    AppRoute route = byHost.get(name);
    return route != null ? route : byHost.get(name.toLowerCase(java.util.Locale.ROOT));
  }
}
