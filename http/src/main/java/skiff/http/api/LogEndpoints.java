package skiff.http.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Set;
import skiff.actors.apps.AppService;
import skiff.http.logs.LogSessions;

/**
 * {@code POST /apps/{app}/log-sessions} (what {@code skiff logs} and {@code heroku logs} start
 * with) and {@code /apps/{app}/log-drains}.
 */
public final class LogEndpoints {
  private static final Set<String> PLATFORM_DYNOS = Set.of("router", "api", "run", "release", "build");
  private final AppService apps;
  private final LogSessions sessions;
  private final PublicUrls urls;

  public LogEndpoints(AppService apps, LogSessions sessions, PublicUrls urls) {
    this.apps = apps;
    this.sessions = sessions;
    this.urls = urls;
  }

  public void register(ApiRoutes routes) {
    registerDrains(routes);
    routes.post("/apps/{app}/log-sessions", call -> {
      JsonNode body = call.jsonObject();
      int lines = body.path("lines").asInt(100);
      if (lines < 1 || lines > 1500) {
        throw ApiError.invalid("lines must be between 1 and 1500 (Skiff keeps the last 1,500 lines).");
      }
      boolean tail = body.path("tail").asBoolean(false);
      String dyno = firstText(body, "dyno", "dyno_name", "type");
      String source = PlatformApi.text(body, "source");
      if (source != null && !source.equals("app") && !source.equals("heroku")) {
        throw ApiError.invalid("source must be app or heroku, not '" + source + "'.");
      }
      return apps.find(call.app()).thenApply(app -> {
        if (dyno != null) {
          String type = dyno.contains(".") ? dyno.substring(0, dyno.indexOf('.')) : dyno;
          if (!app.processTypes().containsKey(type) && !PLATFORM_DYNOS.contains(type)) {
            throw ApiError.invalid("No dyno or process type '" + dyno + "' on " + app.name() + "; it has "
                + String.join(", ", new java.util.TreeSet<>(app.processTypes().keySet())) + " (and router, api).");
          }
        }
        String session = sessions.open(new LogSessions.Session(app.id(), lines, tail, dyno, source, Instant.now()));
        ObjectNode n = Representations.JSON.createObjectNode();
        n.put("id", java.util.UUID.nameUUIDFromBytes(session.getBytes(java.nio.charset.StandardCharsets.US_ASCII))
            .toString());
        n.put("logplex_url", call.base(urls) + "/streams/logs/" + session);
        n.put("created_at", Representations.time(Instant.now()));
        n.put("updated_at", Representations.time(Instant.now()));
        return ApiResponse.created(n);
      });
    });
  }

  private void registerDrains(ApiRoutes routes) {
    routes.get("/apps/{app}/log-drains", call -> apps.find(call.app()).thenApply(app -> ApiResponse.ok(
        AppEndpoints.array(app.drains().stream().map(d -> drain(app.id(), d)).toList()))));
    routes.post("/apps/{app}/log-drains", call -> {
      String url = PlatformApi.text(call.jsonObject(), "url");
      if (url == null) {
        throw ApiError.invalid("url is required, e.g. {\"url\": \"syslog://logs.example.com:514\"}.");
      }
      return apps.command(call.app(), r -> new skiff.actors.apps.AppEntity.AddDrain(url.trim(), call.cause(), r))
          .thenApply(a -> ApiResponse.created(drain(a.app().id(), a.app().drains().stream()
              .filter(d -> d.url().equals(url.trim())).findFirst().orElseThrow())));
    });
    routes.delete("/apps/{app}/log-drains/{drain}", call -> apps.find(call.app()).thenCompose(app -> {
      var drain = app.drains().stream().filter(d -> d.id().equals(call.param("drain"))
          || d.url().equals(call.param("drain"))).findFirst()
          .orElseThrow(() -> ApiError.notFound("Couldn't find that drain (" + call.param("drain") + ")."));
      return apps.command(app.id(), r -> new skiff.actors.apps.AppEntity.RemoveDrain(drain.id(), call.cause(), r))
          .thenApply(a -> ApiResponse.ok(drain(app.id(), drain)));
    }));
  }

  private static ObjectNode drain(String appId, skiff.actors.apps.LogDrain d) {
    ObjectNode n = Representations.JSON.createObjectNode();
    n.put("id", Representations.stableId("drain", d.id()));
    n.put("token", d.id());
    n.put("url", d.url());
    n.putNull("addon");
    n.putObject("app").put("id", appId);
    n.put("created_at", Representations.time(d.createdAt()));
    n.put("updated_at", Representations.time(d.createdAt()));
    return n;
  }

  private static String firstText(JsonNode body, String... fields) {
    for (String f : fields) {
      String v = PlatformApi.text(body, f);
      if (v != null && !v.isBlank()) {
        return v;
      }
    }
    return null;
  }
}
