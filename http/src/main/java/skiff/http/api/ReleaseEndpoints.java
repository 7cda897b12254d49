package skiff.http.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import skiff.actors.apps.AppEntity;
import skiff.actors.apps.AppService;
import skiff.actors.apps.Slug;
import skiff.actors.apps.Stacks;

/** Config vars, releases and slugs: everything that issues or describes a release. */
final class ReleaseEndpoints {
  private final AppService apps;
  private final Representations json;

  ReleaseEndpoints(AppService apps, Representations json) {
    this.apps = apps;
    this.json = json;
  }

  void register(ApiRoutes routes) {
    routes.get("/apps/{app}/config-vars", call -> apps.find(call.app())
        .thenApply(app -> ApiResponse.ok(json.configVars(app.config()))));
    routes.patch("/apps/{app}/config-vars", this::patchConfig);
    routes.get("/apps/{app}/releases", this::list);
    routes.get("/apps/{app}/releases/{release}", call -> apps.find(call.app())
        .thenCompose(app -> apps.release(app, call.param("release"))
            .thenApply(r -> ApiResponse.ok(json.release(app, r)))));
    routes.get("/apps/{app}/releases/{release}/config-vars", call -> apps.find(call.app())
        .thenCompose(app -> apps.release(app, call.param("release"))
            .thenApply(r -> ApiResponse.ok(json.configVars(r.config())))));
    routes.post("/apps/{app}/releases", this::createRelease);
    routes.post("/apps/{app}/slugs", this::createSlug);
    routes.get("/apps/{app}/slugs/{slug}", call -> apps.find(call.app()).thenApply(app -> {
      Slug slug = app.slugs().get(call.param("slug"));
      if (slug == null) {
        throw ApiError.notFound("Couldn't find that slug (" + call.param("slug") + ").");
      }
      return ApiResponse.ok(json.slug(app, slug));
    }));
  }

  /** {@code {"A":"1","B":null}}: strings set, nulls remove; one release for the whole patch. */
  private CompletionStage<ApiResponse> patchConfig(ApiCall call) {
    JsonNode body = call.jsonObject();
    Map<String, String> set = new LinkedHashMap<>();
    List<String> unset = new ArrayList<>();
    var fields = body.fields();
    while (fields.hasNext()) {
      var field = fields.next();
      JsonNode value = field.getValue();
      if (value.isNull()) {
        unset.add(field.getKey());
      } else if (value.isValueNode()) {
        set.put(field.getKey(), value.asText());
      } else {
        throw ApiError.invalid("Config var " + field.getKey() + " must be a string (or null to remove it).");
      }
    }
    return apps.command(call.app(), r -> new AppEntity.ChangeConfig(set, unset, call.cause(), r))
        .thenApply(accepted -> ApiResponse.ok(json.configVars(accepted.app().config())));
  }

  private CompletionStage<ApiResponse> list(ApiCall call) {
    RangeSpec range = RangeSpec.parse(call.header("Range").orElse(null), "version", "id");
    return apps.find(call.app()).thenCompose(app -> {
      List<Integer> versions = java.util.stream.IntStream.rangeClosed(1, app.lastVersion()).boxed().toList();
      var page = Paging.apply(versions, String::valueOf, range);
      return apps.releases(app.id(), page.items()).thenApply(releases -> new ApiResponse(page.status(),
          AppEndpoints.array(releases.stream().map(r -> json.release(app, r)).toList()), page.headers()));
    });
  }

  /** {@code {"release": id-or-version}} rolls back; {@code {"slug": id}} deploys a slug. */
  private CompletionStage<ApiResponse> createRelease(ApiCall call) {
    JsonNode body = call.jsonObject();
    String target = PlatformApi.text(body, "release");
    String slug = PlatformApi.text(body, "slug");
    CompletionStage<AppEntity.Accepted> done;
    if (target != null) {
      done = apps.rollback(call.app(), target, call.cause());
    } else if (slug != null) {
      done = apps.command(call.app(),
          r -> new AppEntity.Deploy(slug, PlatformApi.text(body, "description"), call.cause(), r));
    } else {
      return CompletableFuture.failedStage(ApiError.invalid(
          "Say what to release: {\"slug\": SLUG_ID} to deploy a slug, or {\"release\": RELEASE_ID} to roll back."));
    }
    return done.thenApply(accepted -> ApiResponse.created(json.release(accepted.app(), accepted.release())));
  }

  /** Registers a slug's description (process types, checksum, commit); its archive arrives with a build. */
  private CompletionStage<ApiResponse> createSlug(ApiCall call) {
    JsonNode body = call.jsonObject();
    JsonNode types = body.get("process_types");
    if (types == null || !types.isObject()) {
      throw ApiError.invalid("process_types is required: an object such as {\"web\": \"./server\"}.");
    }
    Map<String, String> processTypes = new LinkedHashMap<>();
    types.fields().forEachRemaining(f -> processTypes.put(f.getKey(), f.getValue().asText()));
    String stack = PlatformApi.text(body, "stack");
    if (stack != null && !Stacks.isOffered(stack)) {
      throw ApiError.invalid("Couldn't find that stack (" + stack + "). Skiff offers "
          + String.join(", ", Stacks.offered()) + ".");
    }
    Slug slug = new Slug(UUID.randomUUID().toString(), PlatformApi.text(body, "checksum"), 0, processTypes,
        PlatformApi.text(body, "commit"), PlatformApi.text(body, "commit_description"),
        PlatformApi.text(body, "buildpack_provided_description"), Stacks.orDefault(stack), Instant.now());
    return apps.command(call.app(), r -> new AppEntity.RegisterSlug(slug, call.cause(), r))
        .thenApply(accepted -> ApiResponse.created(json.slug(accepted.app(), slug)));
  }
}
