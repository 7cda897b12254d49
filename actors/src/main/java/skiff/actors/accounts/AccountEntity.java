package skiff.actors.accounts;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import skiff.actors.Cause;
import skiff.actors.apps.Rejection;
import skiff.persistence.CborSerializable;
import skiff.persistence.JournalName;

/**
 * One person's account, keyed by their email (lower case): name, password hash, admin flag, last
 * login, and their API tokens (hashed). Each change is published to the node's {@link AccessView}
 * once persisted, so a revoked token is refused from the very next request.
 */
public final class AccountEntity
    extends EventSourcedBehaviorWithEnforcedReplies<AccountEntity.Command, AccountEntity.Event, AccountEntity.State> {

  public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, "Account");
  public static final String TAG = "account";
  /** Live tokens one account may hold: enough for every machine and script, bounded in the state. */
  public static final int MAX_TOKENS = 100;

  public sealed interface Command extends CborSerializable {
    ActorRef<Reply> replyTo();
  }

  public record Create(String name, String passwordHash, boolean admin, Cause cause, ActorRef<Reply> replyTo)
      implements Command {}

  public record Get(ActorRef<Reply> replyTo) implements Command {}

  /** Null fields stay as they are. */
  public record ChangeProfile(String name, String passwordHash, Cause cause, ActorRef<Reply> replyTo)
      implements Command {}

  public record RecordLogin(Cause cause, ActorRef<Reply> replyTo) implements Command {}

  public record CreateToken(Authorization authorization, Cause cause, ActorRef<Reply> replyTo) implements Command {}

  public record RevokeToken(String authorizationId, Cause cause, ActorRef<Reply> replyTo) implements Command {}

  public record Delete(Cause cause, ActorRef<Reply> replyTo) implements Command {}

  public sealed interface Reply extends CborSerializable {}

  public record Done(LiveAccount account) implements Reply {}

  public record Refused(Rejection rejection) implements Reply {}

  public sealed interface Event extends CborSerializable {
    Cause cause();
  }

  @JournalName("account.created")
  public record AccountCreated(String email, String name, String passwordHash, boolean admin, Cause cause)
      implements Event {}

  @JournalName("account.profile-changed")
  public record ProfileChanged(String name, String passwordHash, Cause cause) implements Event {}

  @JournalName("account.logged-in")
  public record LoggedIn(Cause cause) implements Event {}

  @JournalName("account.token-created")
  public record TokenCreated(Authorization authorization, Cause cause) implements Event {}

  @JournalName("account.token-revoked")
  public record TokenRevoked(String authorizationId, Cause cause) implements Event {}

  @JournalName("account.deleted")
  public record AccountDeleted(Cause cause) implements Event {}

  public sealed interface State extends CborSerializable {}

  @JournalName("account.state.none")
  public record NoAccount() implements State {}

  @JournalName("account.state.deleted")
  public record DeletedAccount(String email, Instant deletedAt) implements State {}

  /** @param passwordHash null for an account that logs in with a token only (the bootstrap admin) */
  @JournalName("account.state.live")
  public record LiveAccount(String email, String name, String passwordHash, boolean admin, Instant createdAt,
      Instant updatedAt, Instant lastLoginAt, List<Authorization> tokens) implements State {
    public LiveAccount {
      tokens = List.copyOf(tokens);
    }

    public String id() {
      return AccountIds.of(email);
    }

    LiveAccount withTokens(List<Authorization> next, Instant at) {
      return new LiveAccount(email, name, passwordHash, admin, createdAt, at, lastLoginAt, next);
    }
  }

  public static String entityId(String email) {
    return email.trim().toLowerCase(java.util.Locale.ROOT);
  }

  public static void init(ActorSystem<?> system, AccessView view) {
    ClusterSharding.get(system).init(Entity.of(TYPE_KEY, ctx -> create(ctx.getEntityId(), view)));
  }

  public static Behavior<Command> create(String email, AccessView view) {
    return Behaviors.setup(ctx -> new AccountEntity(email, view, ctx));
  }

  private final String email;
  private final AccessView view;
  private final ActorContext<Command> ctx;

  private AccountEntity(String email, AccessView view, ActorContext<Command> ctx) {
    super(PersistenceId.of(TYPE_KEY.name(), email),
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1));
    this.email = email;
    this.view = view;
    this.ctx = ctx;
  }

  @Override
  public State emptyState() {
    return new NoAccount();
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return Set.of(TAG);
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    var builder = newCommandHandlerWithReplyBuilder();
    builder.forStateType(NoAccount.class)
        .onCommand(Create.class, (s, c) -> persist(List.of(new AccountCreated(email, c.name(), c.passwordHash(),
            c.admin(), c.cause())), c.replyTo()))
        .onAnyCommand(this::unknown);
    builder.forStateType(DeletedAccount.class)
        .onCommand(Create.class, (s, c) -> Effect().reply(c.replyTo(), refused("invalid_params", "The account " + email
            + " was deleted; its journal stays, so the email cannot be used for a new account.")))
        .onAnyCommand(this::unknown);
    builder.forStateType(LiveAccount.class)
        .onCommand(Create.class, (s, c) -> Effect().reply(c.replyTo(),
            refused("invalid_params", "There is already an account for " + email + ".")))
        .onCommand(Get.class, (s, c) -> Effect().reply(c.replyTo(), new Done(s)))
        .onCommand(ChangeProfile.class, (s, c) -> persist(List.of(new ProfileChanged(c.name(), c.passwordHash(),
            c.cause())), c.replyTo()))
        .onCommand(RecordLogin.class, (s, c) -> persist(List.of(new LoggedIn(c.cause())), c.replyTo()))
        .onCommand(CreateToken.class, this::createToken)
        .onCommand(RevokeToken.class, (s, c) -> s.tokens().stream().anyMatch(t -> t.id().equals(c.authorizationId()))
            ? persist(List.of(new TokenRevoked(c.authorizationId(), c.cause())), c.replyTo())
            : Effect().reply(c.replyTo(), refused("not_found", "Couldn't find that authorization.")))
        .onCommand(Delete.class, (s, c) -> persist(List.of(new AccountDeleted(c.cause())), c.replyTo()));
    return builder.build();
  }

  private ReplyEffect<Event, State> createToken(LiveAccount s, CreateToken c) {
    long live = s.tokens().stream().filter(t -> !t.expiredAt(c.cause().at())).count();
    if (live >= MAX_TOKENS) {
      return Effect().reply(c.replyTo(), refused("invalid_params", email + " already has " + MAX_TOKENS
          + " API tokens; revoke some (skiff authorizations, authorizations:revoke ID) first."));
    }
    return persist(List.of(new TokenCreated(c.authorization(), c.cause())), c.replyTo());
  }

  private ReplyEffect<Event, State> unknown(State s, Command c) {
    return Effect().reply(c.replyTo(), refused("not_found", "Couldn't find that account."));
  }

  private ReplyEffect<Event, State> persist(List<Event> events, ActorRef<Reply> replyTo) {
    return Effect().persist(events)
        .thenRun(next -> view.account(email, lastSequenceNumber(ctx), next))
        .thenReply(replyTo, next -> next instanceof LiveAccount live ? new Done(live)
            : refused("not_found", "The account " + email + " was deleted."));
  }

  private static Refused refused(String id, String message) {
    return new Refused(new Rejection(id, message));
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(AccountEntity::apply);
  }

  /** The event handler, pure, shared with the {@link AccessView} that follows the journal. */
  public static State apply(State s, Event e) {
    if (e instanceof AccountCreated c) {
      Instant at = c.cause().at();
      return new LiveAccount(c.email(), c.name(), c.passwordHash(), c.admin(), at, at, null, List.of());
    }
    if (!(s instanceof LiveAccount a)) {
      return s;
    }
    Instant at = e.cause().at();
    if (e instanceof ProfileChanged p) {
      return new LiveAccount(a.email(), p.name() != null ? p.name() : a.name(),
          p.passwordHash() != null ? p.passwordHash() : a.passwordHash(), a.admin(), a.createdAt(), at,
          a.lastLoginAt(), a.tokens());
    }
    if (e instanceof LoggedIn) {
      return new LiveAccount(a.email(), a.name(), a.passwordHash(), a.admin(), a.createdAt(), a.updatedAt(), at,
          a.tokens());
    }
    if (e instanceof TokenCreated t) {
      // expired tokens leave the state when a new one comes: it stays bounded
      List<Authorization> next = new ArrayList<>(a.tokens().stream().filter(x -> !x.expiredAt(at)).toList());
      next.add(t.authorization());
      return a.withTokens(next, at);
    }
    if (e instanceof TokenRevoked r) {
      return a.withTokens(a.tokens().stream().filter(x -> !x.id().equals(r.authorizationId())).toList(), at);
    }
    if (e instanceof AccountDeleted) {
      return new DeletedAccount(a.email(), at);
    }
    return a;
  }
}
