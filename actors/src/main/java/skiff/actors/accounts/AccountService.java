package skiff.actors.accounts;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import skiff.actors.Cause;
import skiff.actors.apps.Rejection;

/** The front door to accounts, their tokens and teams, as the API and the node use them. */
public final class AccountService {
  /** A token made for an account: the token itself (shown this once) and its authorization. */
  public record IssuedToken(String token, Authorization authorization, AccountEntity.LiveAccount account) {}

  private final ClusterSharding sharding;
  private final Duration timeout;
  private final AccessView view;

  public AccountService(ActorSystem<?> system, Duration timeout, AccessView view) {
    this.sharding = ClusterSharding.get(system);
    this.timeout = timeout;
    this.view = view;
  }

  public static void initEntities(ActorSystem<?> system, AccessView view) {
    AccountEntity.init(system, view);
    TeamEntity.init(system, view);
  }

  public AccessView view() {
    return view;
  }

  // ---- accounts ------------------------------------------------------------------------------

  public CompletionStage<AccountEntity.LiveAccount> create(String email, String name, String password, boolean admin,
      Cause cause) {
    return account(email, r -> new AccountEntity.Create(name, password == null ? null : Passwords.hash(password),
        admin, cause, r));
  }

  /** The bootstrap admin as an account, made at the first start and left as it is after. */
  public CompletionStage<AccountEntity.LiveAccount> ensureAdmin(String email, Cause cause) {
    return get(email).exceptionallyCompose(missing -> create(email, "Admin", null, true, cause));
  }

  public CompletionStage<AccountEntity.LiveAccount> get(String email) {
    return account(email, AccountEntity.Get::new);
  }

  public CompletionStage<AccountEntity.LiveAccount> changeProfile(String email, String name, String password,
      Cause cause) {
    return account(email, r -> new AccountEntity.ChangeProfile(name, password == null ? null : Passwords.hash(password),
        cause, r));
  }

  public CompletionStage<AccountEntity.LiveAccount> delete(String email, Cause cause) {
    return account(email, r -> new AccountEntity.Delete(cause, r));
  }

  /**
   * Email and password to a new token, as {@code login} does. A wrong email and a wrong password
   * answer alike, so the answer does not tell which accounts exist.
   */
  public CompletionStage<IssuedToken> login(String email, String password, String description, Duration expiresIn,
      Cause cause) {
    Optional<AccountEntity.LiveAccount> account = view.account(email);
    if (account.isEmpty() || !Passwords.matches(account.get().passwordHash(), password)) {
      return CompletableFuture.failedStage(new Rejection("unauthorized",
          "Invalid credentials provided.").asException());
    }
    String id = AccountEntity.entityId(email);
    return account(id, r -> new AccountEntity.RecordLogin(cause, r))
        .thenCompose(a -> createToken(id, description, expiresIn, cause));
  }

  public CompletionStage<IssuedToken> createToken(String email, String description, Duration expiresIn, Cause cause) {
    String token = Tokens.newToken();
    Authorization authorization = new Authorization(UUID.randomUUID().toString(), Tokens.hash(token),
        description == null || description.isBlank() ? "Skiff API token" : description, cause.at(),
        expiresIn == null ? null : cause.at().plus(expiresIn));
    return account(email, r -> new AccountEntity.CreateToken(authorization, cause, r))
        .thenApply(a -> new IssuedToken(token, authorization, a));
  }

  public CompletionStage<AccountEntity.LiveAccount> revokeToken(String email, String authorizationId, Cause cause) {
    return account(email, r -> new AccountEntity.RevokeToken(authorizationId, cause, r));
  }

  private CompletionStage<AccountEntity.LiveAccount> account(String email,
      Function<ActorRef<AccountEntity.Reply>, AccountEntity.Command> command) {
    return sharding.entityRefFor(AccountEntity.TYPE_KEY, AccountEntity.entityId(email))
        .ask(command::apply, timeout)
        .thenApply(reply -> {
          if (reply instanceof AccountEntity.Refused r) {
            throw r.rejection().asException();
          }
          return ((AccountEntity.Done) reply).account();
        });
  }

  // ---- teams ---------------------------------------------------------------------------------

  public CompletionStage<TeamEntity.LiveTeam> createTeam(String name, String creator, Cause cause) {
    if (!name.matches("[a-z][a-z0-9-]{2,29}")) {
      return CompletableFuture.failedStage(Rejection.invalid("Team name '" + name + "' is invalid: use 3 to 30"
          + " lower-case letters, digits and dashes, starting with a letter.").asException());
    }
    return team(name, r -> new TeamEntity.Create(creator, cause, r));
  }

  public CompletionStage<TeamEntity.LiveTeam> team(String name) {
    return team(name, TeamEntity.Get::new);
  }

  public CompletionStage<TeamEntity.LiveTeam> setMember(String team, String email, String role, Cause cause) {
    if (view.account(email).isEmpty()) {
      return CompletableFuture.failedStage(Rejection.notFound("There is no account for " + email
          + "; an admin creates it first (skiff accounts:create EMAIL).").asException());
    }
    return team(team, r -> new TeamEntity.SetMember(AccountEntity.entityId(email), role, cause, r));
  }

  public CompletionStage<TeamEntity.LiveTeam> removeMember(String team, String email, Cause cause) {
    return team(team, r -> new TeamEntity.RemoveMember(AccountEntity.entityId(email), cause, r));
  }

  private CompletionStage<TeamEntity.LiveTeam> team(String name,
      Function<ActorRef<TeamEntity.Reply>, TeamEntity.Command> command) {
    return sharding.entityRefFor(TeamEntity.TYPE_KEY, name)
        .ask(command::apply, timeout)
        .thenApply(reply -> {
          if (reply instanceof TeamEntity.Refused r) {
            throw r.rejection().asException();
          }
          return ((TeamEntity.Done) reply).team();
        });
  }
}
