package skiff.http.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.concurrent.CompletionStage;
import skiff.actors.apps.RestorePlan;
import skiff.actors.history.Restores;

/**
 * {@code POST /apps/{app}/restores {"at": T, "dry_run": bool}}: the app brought back to how it was
 * at T (release, formation, domains, drains, maintenance, stack), or with {@code dry_run} only the
 * list of what that would change. Skiff's own resource: Heroku rolls back releases only.
 */
public final class RestoreEndpoints {
  private final Restores restores;
  private final Representations json;

  public RestoreEndpoints(Restores restores, PublicUrls urls) {
    this.restores = restores;
    this.json = new Representations(urls);
  }

  public void register(ApiRoutes routes) {
    routes.post("/apps/{app}/restores", this::restore);
  }

  private CompletionStage<ApiResponse> restore(ApiCall call) {
    JsonNode body = call.jsonObject();
    JsonNode at = body.get("at");
    if (at == null || !at.isTextual()) {
      throw ApiError.invalid("at is required: the instant to restore to, such as {\"at\": \"2026-11-26T14:00:00Z\"}.");
    }
    Instant to = EventFilter.instant("at", at.asText());
    JsonNode dryRunNode = body.path("dry_run");
    if (!dryRunNode.isMissingNode() && !dryRunNode.isBoolean()) {
      throw ApiError.invalid("dry_run must be true or false.");
    }
    boolean dryRun = dryRunNode.asBoolean(false);
    return restores.restore(call.app(), to, dryRun, call.cause()).thenApply(outcome -> {
      ObjectNode n = Representations.JSON.createObjectNode();
      n.put("at", to.toString());
      n.put("dry_run", dryRun);
      n.put("applied", !dryRun && !outcome.plan().isEmpty());
      ArrayNode changes = n.putArray("changes");
      for (RestorePlan.Change c : outcome.plan().changes()) {
        changes.addObject().put("field", c.field()).put("op", c.op()).put("from", c.from()).put("to", c.to())
            .put("text", c.toString());
      }
      if (outcome.release() == null) {
        n.putNull("release");
      } else {
        n.set("release", json.release(outcome.app(), outcome.release()));
      }
      return dryRun || outcome.plan().isEmpty() ? ApiResponse.ok(n) : ApiResponse.created(n);
    });
  }
}
