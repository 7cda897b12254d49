package skiff.http.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import skiff.actors.apps.AppEntity;
import skiff.actors.apps.AppEntity.LiveApp;
import skiff.actors.apps.AppService;
import skiff.actors.apps.FormationEntry;
import skiff.actors.apps.FormationUpdate;

/** The formation: how many dynos of each process type the app should run. */
final class FormationEndpoints {
  private final AppService apps;
  private final Representations json;
  private final java.util.function.Supplier<CompletionStage<Long>> clusterRoom;

  /** {@code clusterRoom}: how many more dynos the cluster has room for, -1 for no limit. */
  FormationEndpoints(AppService apps, Representations json,
      java.util.function.Supplier<CompletionStage<Long>> clusterRoom) {
    this.apps = apps;
    this.json = json;
    this.clusterRoom = clusterRoom;
  }

  void register(ApiRoutes routes) {
    routes.get("/apps/{app}/formation", call -> apps.find(call.app()).thenApply(this::listing));
    routes.get("/apps/{app}/formation/{type}", call -> apps.find(call.app()).thenApply(app -> {
      FormationEntry entry = app.visibleFormation().stream().filter(f -> f.type().equals(call.param("type")))
          .findFirst()
          .orElseThrow(() -> ApiError.notFound("Couldn't find that process type (" + call.param("type") + ")."));
      return ApiResponse.ok(json.formation(app, entry));
    }));
    routes.patch("/apps/{app}/formation", this::batchUpdate);
    routes.patch("/apps/{app}/formation/{type}", call -> {
      JsonNode body = call.jsonObject();
      return scale(call, List.of(update(call.param("type"), body)))
          .thenApply(app -> app.visibleFormation().stream().filter(f -> f.type().equals(call.param("type")))
              .findFirst().map(f -> ApiResponse.ok(json.formation(app, f))).orElseThrow());
    });
  }

  private ApiResponse listing(LiveApp app) {
    return ApiResponse.ok(AppEndpoints.array(app.visibleFormation().stream().map(f -> json.formation(app, f)).toList()));
  }

  /** {@code {"updates":[{"type":"web","quantity":"+1","size":"Standard-2X"}]}}, as the CLI sends it. */
  private CompletionStage<ApiResponse> batchUpdate(ApiCall call) {
    JsonNode updates = call.jsonObject().get("updates");
    if (updates == null || !updates.isArray()) {
      throw ApiError.invalid("updates is required: a list such as [{\"type\": \"web\", \"quantity\": 2}].");
    }
    List<FormationUpdate> list = new ArrayList<>();
    List<String> types = new ArrayList<>();
    for (JsonNode u : updates) {
      if (!u.isObject()) {
        throw ApiError.invalid("Each formation update must be an object with a type.");
      }
      FormationUpdate update = update(PlatformApi.text(u, "type"), u);
      list.add(update);
      types.add(update.type());
    }
    return scale(call, list).thenApply(app -> ApiResponse.ok(AppEndpoints.array(app.visibleFormation().stream()
        .filter(f -> types.contains(f.type())).map(f -> json.formation(app, f)).toList())));
  }

  private static FormationUpdate update(String type, JsonNode body) {
    String size = PlatformApi.text(body, "size");
    if (size == null) {
      JsonNode dynoSize = body.get("dyno_size");
      size = dynoSize == null || dynoSize.isNull() ? null
          : dynoSize.isObject() ? PlatformApi.text(dynoSize, "name") : dynoSize.asText();
    }
    JsonNode quantity = body.get("quantity");
    // a JSON number is an absolute count (the schema); a string may be relative, as the CLI sends "+1"
    String amount = quantity == null || quantity.isNull() ? null
        : quantity.isNumber() ? "=" + quantity.asText() : quantity.asText();
    return new FormationUpdate(type, amount, size);
  }

  private CompletionStage<LiveApp> scale(ApiCall call, List<FormationUpdate> updates) {
    return clusterRoom.get().thenCompose(room -> apps.command(call.app(),
        r -> new AppEntity.Scale(updates, call.cause(), room, r))).thenApply(a -> a.app());
  }
}
