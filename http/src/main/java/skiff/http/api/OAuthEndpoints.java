package skiff.http.api;

import static java.util.concurrent.CompletableFuture.completedStage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import skiff.actors.Cause;
import skiff.actors.accounts.AccountEntity;
import skiff.actors.accounts.AccountService;
import skiff.actors.accounts.Authorization;

/**
 * API tokens as Heroku's OAuth authorizations: {@code login -i} posts email and password (Basic)
 * and gets a new token; a signed-in caller makes more ({@code authorizations:create}), lists its
 * own and revokes them ({@code authorizations:revoke}, {@code logout}). Tokens are kept hashed, so
 * a token is shown when it is made and, in listings, only for the authorization the caller is
 * using. The bootstrap admin token (SKIFF_ADMIN_TOKEN or admin.token) is configuration, not an
 * authorization: it is listed but cannot be revoked through the API.
 */
final class OAuthEndpoints {
  private static final Duration MAX_EXPIRY = Duration.ofDays(3650);

  private final AccountService accounts;
  OAuthEndpoints(AccountService accounts) {
    this.accounts = accounts;
  }

  void register(ApiRoutes routes) {
    routes.get("/oauth/authorizations", call -> completedStage(ApiResponse.ok(AppEndpoints.array(mine(call)))));
    routes.get("/oauth/authorizations/{id}", call -> completedStage(ApiResponse.ok(one(call, call.param("id")))));
    routes.post("/oauth/authorizations", this::create);
    routes.delete("/oauth/authorizations/{id}", this::revoke);
    routes.delete("/oauth/sessions/{id}", call -> {
      throw ApiError.notFound("Skiff keeps no OAuth sessions; revoke an authorization instead.");
    });
    routes.get("/apps/{app}/sni-endpoints", call -> completedStage(ApiResponse.ok(
        Representations.JSON.createArrayNode())));
  }

  private CompletionStage<ApiResponse> create(ApiCall call) {
    JsonNode body = call.jsonObject();
    String description = PlatformApi.text(body, "description");
    Duration expiresIn = expiresIn(body.get("expires_in"));
    if (call.account() == null) {
      String[] login = PlatformApi.basicLogin(call.request()).orElseThrow(ApiError::unauthorized);
      String email = AccountEntity.entityId(login[0]);
      return accounts.login(email, login[1], description, expiresIn, new Cause(email, java.time.Instant.now(),
              call.requestId()))
          .thenApply(issued -> ApiResponse.created(authorization(issued.account(), issued.authorization(),
              issued.token())));
    }
    return accounts.createToken(call.account().email(), description, expiresIn, call.cause())
        .thenApply(issued -> ApiResponse.created(authorization(issued.account(), issued.authorization(),
            issued.token())));
  }

  private static Duration expiresIn(JsonNode value) {
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.canConvertToLong() || value.asLong() <= 0 || value.asLong() > MAX_EXPIRY.toSeconds()) {
      throw ApiError.invalid("expires_in must be a number of seconds from 1 to " + MAX_EXPIRY.toSeconds()
          + " (ten years), or left out for a token that does not expire.");
    }
    return Duration.ofSeconds(value.asLong());
  }

  private CompletionStage<ApiResponse> revoke(ApiCall call) {
    String id = resolve(call, call.param("id"));
    if (id.equals(Account.BOOTSTRAP)) {
      throw ApiError.invalid("The bootstrap admin token is set by SKIFF_ADMIN_TOKEN (or SKIFF_HOME/admin.token);"
          + " change it there and restart. Revoke tokens made by login or authorizations:create here.");
    }
    ObjectNode shown = one(call, id);
    return accounts.revokeToken(call.account().email(), id, call.cause()).thenApply(a -> ApiResponse.ok(shown));
  }

  /**
   * {@code ~} is the account's default authorization, Heroku's "API key": for the admin, the
   * bootstrap token; other accounts have none (404). The heroku CLI's logout reads it to avoid
   * revoking the key itself, and revokes the token it is using otherwise.
   */
  private static String resolve(ApiCall call, String id) {
    if (!id.equals("~")) {
      return id;
    }
    if (!call.account().admin()) {
      throw ApiError.notFound("This account has no default authorization (API key); its tokens are listed at"
          + " /oauth/authorizations.");
    }
    return Account.BOOTSTRAP;
  }

  private List<ObjectNode> mine(ApiCall call) {
    AccountEntity.LiveAccount me = me(call);
    List<ObjectNode> out = new java.util.ArrayList<>();
    if (call.account().authorizationId().equals(Account.BOOTSTRAP)) {
      out.add(bootstrap(me, call.token()));
    }
    java.time.Instant now = java.time.Instant.now();
    me.tokens().stream().filter(t -> !t.expiredAt(now)).forEach(t -> out.add(authorization(me, t,
        t.id().equals(call.account().authorizationId()) ? call.token() : null)));
    return out;
  }

  private ObjectNode one(ApiCall call, String asked) {
    String id = resolve(call, asked);
    AccountEntity.LiveAccount me = me(call);
    if (id.equals(Account.BOOTSTRAP) && call.account().admin()) {
      // the bootstrap token itself is only shown to whoever is using it
      return bootstrap(me, call.account().authorizationId().equals(Account.BOOTSTRAP) ? call.token() : null);
    }
    return me.tokens().stream().filter(t -> t.id().equals(id)).findFirst()
        .map(t -> authorization(me, t, t.id().equals(call.account().authorizationId()) ? call.token() : null))
        .orElseThrow(() -> ApiError.notFound("Couldn't find that authorization."));
  }

  private AccountEntity.LiveAccount me(ApiCall call) {
    return AccountEndpoints.caller(call, accounts.view())
        .orElseThrow(() -> ApiError.notFound("Couldn't find your account."));
  }

  private ObjectNode bootstrap(AccountEntity.LiveAccount me, String token) {
    return authorization(me, new Authorization(Account.BOOTSTRAP, null, "Bootstrap admin token (SKIFF_ADMIN_TOKEN)",
        me.createdAt(), null), token);
  }

  private ObjectNode authorization(AccountEntity.LiveAccount account, Authorization a, String token) {
    ObjectNode n = Representations.JSON.createObjectNode();
    n.put("id", a.id());
    n.put("description", a.description());
    ObjectNode access = n.putObject("access_token");
    access.put("id", a.id());
    if (token == null) {
      access.putNull("token");
    } else {
      access.put("token", token);
    }
    if (a.expiresAt() == null) {
      access.putNull("expires_in");
    } else {
      access.put("expires_in", Math.max(0, Duration.between(java.time.Instant.now(), a.expiresAt()).toSeconds()));
    }
    n.putArray("scope").add("global");
    n.putNull("client");
    n.putNull("grant");
    n.putNull("refresh_token");
    n.putNull("session");
    ObjectNode user = n.putObject("user");
    user.put("email", account.email());
    user.put("id", account.id());
    user.put("full_name", account.name());
    n.put("created_at", Representations.time(a.createdAt()));
    n.put("updated_at", Representations.time(a.createdAt()));
    return n;
  }
}
