package skiff.http.api;

import static java.util.concurrent.CompletableFuture.completedStage;

import java.time.Instant;
import skiff.actors.apps.Stacks;

/** {@code /account} and {@code /stacks}: who is calling, and the one stack Skiff builds on. */
final class AccountEndpoints {
  private final Representations json;
  private final Instant accountCreatedAt;

  AccountEndpoints(Representations json, Instant accountCreatedAt) {
    this.json = json;
    this.accountCreatedAt = accountCreatedAt;
  }

  void register(ApiRoutes routes) {
    routes.get("/account", call -> completedStage(ApiResponse.ok(json.account(call.account(), accountCreatedAt))));
    routes.get("/users/{user}", call -> completedStage(ApiResponse.ok(json.account(call.account(), accountCreatedAt))));
    routes.get("/stacks", call -> {
      var list = Representations.JSON.createArrayNode();
      list.add(json.stackInfo());
      return completedStage(ApiResponse.ok(list));
    });
    routes.get("/stacks/{stack}", call -> {
      String asked = Stacks.canonical(call.param("stack"));
      if (!asked.equals(Representations.STACK) && !asked.equals(Representations.STACK_ID)) {
        throw ApiError.notFound("Couldn't find that stack. Skiff has one stack, " + Representations.STACK + ".");
      }
      return completedStage(ApiResponse.ok(json.stackInfo()));
    });
  }
}
