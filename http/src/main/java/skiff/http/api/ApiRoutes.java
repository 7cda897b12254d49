package skiff.http.api;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Maps a method and a path such as {@code /apps/{app}/releases/{release}} to an endpoint. Path
 * templates keep the API's shape readable in one place per resource.
 */
public final class ApiRoutes {
  private record Route(String method, String template, String[] segments, Endpoint endpoint) {}

  public record Match(String template, Endpoint endpoint, Map<String, String> params) {}

  private final List<Route> routes = new ArrayList<>();

  public ApiRoutes add(String method, String template, Endpoint endpoint) {
    routes.add(new Route(method, template, split(template), endpoint));
    return this;
  }

  public ApiRoutes get(String template, Endpoint endpoint) {
    return add("GET", template, endpoint);
  }

  public ApiRoutes post(String template, Endpoint endpoint) {
    return add("POST", template, endpoint);
  }

  public ApiRoutes patch(String template, Endpoint endpoint) {
    return add("PATCH", template, endpoint);
  }

  public ApiRoutes delete(String template, Endpoint endpoint) {
    return add("DELETE", template, endpoint);
  }

  public Optional<Match> match(String method, String path) {
    String[] actual = split(path);
    for (Route route : routes) {
      if (!route.method.equals(method) || route.segments.length != actual.length) {
        continue;
      }
      Map<String, String> params = new HashMap<>();
      boolean ok = true;
      for (int i = 0; i < actual.length && ok; i++) {
        String expected = route.segments[i];
        if (expected.startsWith("{") && expected.endsWith("}")) {
          params.put(expected.substring(1, expected.length() - 1), actual[i]);
        } else {
          ok = expected.equals(actual[i]);
        }
      }
      if (ok) {
        return Optional.of(new Match(route.template, route.endpoint, params));
      }
    }
    return Optional.empty();
  }

  /** Whether some route has this path with another method (for 405 rather than 404). */
  public boolean knowsPath(String path) {
    return routes.stream().anyMatch(r -> match(r.method, path).isPresent());
  }

  private static String[] split(String path) {
    String trimmed = path.replaceAll("^/+|/+$", "");
    return trimmed.isEmpty() ? new String[0] : java.util.Arrays.stream(trimmed.split("/"))
        .map(s -> java.net.URLDecoder.decode(s, java.nio.charset.StandardCharsets.UTF_8))
        .toArray(String[]::new);
  }
}
