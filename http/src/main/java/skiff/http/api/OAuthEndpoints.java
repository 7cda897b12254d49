package skiff.http.api;

import static java.util.concurrent.CompletableFuture.completedStage;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/**
 * The OAuth authorization resources the heroku CLI uses for {@code auth:token}, {@code logout}
 * and {@code login -i}. Skiff's API token is the one authorization an account has; {@code login -i}
 * takes the account's email and that token as the password, and hands the token back.
 */
final class OAuthEndpoints {
  private final Representations json;
  private final Instant createdAt;

  OAuthEndpoints(Representations json, Instant createdAt) {
    this.json = json;
    this.createdAt = createdAt;
  }

  void register(ApiRoutes routes) {
    routes.get("/oauth/authorizations", call -> completedStage(ApiResponse.ok(
        AppEndpoints.array(java.util.List.of(authorization(call))))));
    routes.get("/oauth/authorizations/{id}", call -> completedStage(ApiResponse.ok(authorization(call))));
    routes.post("/oauth/authorizations", call -> completedStage(ApiResponse.created(authorization(call))));
    routes.delete("/oauth/authorizations/{id}", call -> completedStage(ApiResponse.ok(authorization(call))));
    routes.delete("/oauth/sessions/{id}", call -> {
      throw ApiError.notFound("Skiff keeps no OAuth sessions; the API token stays valid.");
    });
    routes.get("/apps/{app}/sni-endpoints", call -> completedStage(ApiResponse.ok(
        Representations.JSON.createArrayNode())));
  }

  private ObjectNode authorization(ApiCall call) {
    ObjectNode n = Representations.JSON.createObjectNode();
    n.put("id", Representations.stableId("authorization", call.account().email()));
    n.put("description", "Skiff API token");
    ObjectNode token = n.putObject("access_token");
    token.put("id", Representations.stableId("token", call.account().email()));
    token.put("token", call.token());
    token.putNull("expires_in");
    n.putArray("scope").add("global");
    ObjectNode user = n.putObject("user");
    user.put("email", call.account().email());
    user.put("id", call.account().id());
    user.put("full_name", call.account().name());
    n.put("created_at", Representations.time(createdAt));
    n.put("updated_at", Representations.time(createdAt));
    return n;
  }
}
