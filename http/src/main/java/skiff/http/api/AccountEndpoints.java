package skiff.http.api;

import static java.util.concurrent.CompletableFuture.completedStage;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.CompletionStage;
import skiff.actors.accounts.AccountEntity;
import skiff.actors.accounts.AccountService;
import skiff.actors.accounts.Passwords;
import skiff.actors.apps.Stacks;

/**
 * {@code /account} (who is calling; one's own name and password), {@code /accounts} (admins make,
 * list and delete accounts) and {@code /stacks}.
 */
final class AccountEndpoints {
  private final AccountService accounts;
  private final Representations json;

  AccountEndpoints(AccountService accounts, Representations json) {
    this.accounts = accounts;
    this.json = json;
  }

  void register(ApiRoutes routes) {
    routes.get("/account", call -> self(call).thenApply(a -> ApiResponse.ok(json.account(a))));
    routes.get("/users/{user}", call -> {
      String user = call.param("user");
      if (user.equals("~") || user.equalsIgnoreCase(call.account().email()) || user.equals(call.account().id())) {
        return self(call).thenApply(a -> ApiResponse.ok(json.account(a)));
      }
      if (!call.account().admin()) {
        throw ApiError.notFound("Couldn't find that user.");
      }
      return accounts.get(user).thenApply(a -> ApiResponse.ok(json.account(a)));
    });
    routes.patch("/account", this::changeOwn);
    routes.post("/accounts", this::create);
    routes.get("/accounts", call -> completedStage(ApiResponse.ok(AppEndpoints.array(
        accounts.view().accounts().stream().map(json::account).toList()))));
    routes.delete("/accounts/{email}", call -> {
      String email = AccountEntity.entityId(call.param("email"));
      if (email.equals(call.account().email())) {
        throw ApiError.invalid("You cannot delete your own account; ask another admin.");
      }
      return accounts.delete(email, call.cause()).thenApply(a -> ApiResponse.ok(Representations.JSON.createObjectNode()
          .put("email", email).put("deleted", true)));
    });
    routes.get("/stacks", call -> {
      var list = Representations.JSON.createArrayNode();
      Stacks.offered().forEach(name -> list.add(json.stackInfo(name)));
      return completedStage(ApiResponse.ok(list));
    });
    routes.get("/stacks/{stack}", call -> {
      String asked = Stacks.canonical(call.param("stack"));
      String found = Stacks.offered().stream()
          .filter(name -> name.equals(asked) || Representations.stableId("stack", name).equals(asked)).findFirst()
          .orElseThrow(() -> ApiError.notFound("Couldn't find that stack (" + asked + "). Skiff offers "
              + String.join(", ", Stacks.offered()) + "."));
      return completedStage(ApiResponse.ok(json.stackInfo(found)));
    });
  }

  private CompletionStage<AccountEntity.LiveAccount> self(ApiCall call) {
    return caller(call, accounts.view()).<CompletionStage<AccountEntity.LiveAccount>>map(a -> completedStage(a))
        .orElseGet(() -> accounts.get(call.account().email()));
  }

  /**
   * The caller's account as the node knows it; the bootstrap token stands for the admin even when
   * the admin's account is not in the journal.
   */
  static java.util.Optional<AccountEntity.LiveAccount> caller(ApiCall call, skiff.actors.accounts.AccessView view) {
    var known = view.account(call.account().email());
    if (known.isPresent() || !call.account().authorizationId().equals(Account.BOOTSTRAP)) {
      return known;
    }
    java.time.Instant epoch = java.time.Instant.EPOCH;
    return java.util.Optional.of(new AccountEntity.LiveAccount(call.account().email(), call.account().name(), null,
        true, epoch, epoch, null, java.util.List.of()));
  }

  /** POST /accounts {"email", "name", "password"}: an admin makes an account. */
  private CompletionStage<ApiResponse> create(ApiCall call) {
    JsonNode body = call.jsonObject();
    String email = PlatformApi.text(body, "email");
    if (email == null || !email.matches("[^@\\s]+@[^@\\s]+\\.[^@\\s]+")) {
      throw ApiError.invalid("email='" + email + "' is not an email address, e.g. {\"email\": \"ana@example.com\","
          + " \"password\": \"...\"}.");
    }
    String password = PlatformApi.text(body, "password");
    Passwords.problemWith(password).ifPresent(p -> {
      throw ApiError.invalid(p);
    });
    String name = PlatformApi.text(body, "name");
    JsonNode admin = body.get("admin");
    if (admin != null && !admin.isBoolean()) {
      throw ApiError.invalid("admin must be true or false.");
    }
    String normalized = AccountEntity.entityId(email);
    return accounts.create(normalized, name == null ? normalized : name, password, admin != null && admin.asBoolean(),
        call.cause()).thenApply(a -> ApiResponse.created(json.account(a)));
  }

  /** PATCH /account {"name", "password", "current_password"}: one's own name and password. */
  private CompletionStage<ApiResponse> changeOwn(ApiCall call) {
    JsonNode body = call.jsonObject();
    String name = PlatformApi.text(body, "name");
    String password = PlatformApi.text(body, "password");
    if (password != null) {
      Passwords.problemWith(password).ifPresent(p -> {
        throw ApiError.invalid(p);
      });
      AccountEntity.LiveAccount me = accounts.view().account(call.account().email()).orElseThrow();
      String current = PlatformApi.text(body, "current_password");
      if (me.passwordHash() != null && !Passwords.matches(me.passwordHash(), current)) {
        throw new ApiError(403, "forbidden", "current_password is not your password; give it to change it.");
      }
    }
    if (name == null && password == null) {
      throw ApiError.invalid("Give a new name or password, e.g. {\"name\": \"Ana\"}.");
    }
    return accounts.changeProfile(call.account().email(), name, password, call.cause())
        .thenApply(a -> ApiResponse.ok(json.account(a)));
  }
}
