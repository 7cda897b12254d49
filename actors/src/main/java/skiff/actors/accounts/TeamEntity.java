package skiff.actors.accounts;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * A team, keyed by its name: its members and their roles. Team apps belong to it; what a member
 * may do on one is the role ({@code admin}: everything; {@code member}: view, and what the app
 * grants them; {@code viewer}: view) together with the app's own grants.
 */
public final class TeamEntity
    extends EventSourcedBehaviorWithEnforcedReplies<TeamEntity.Command, TeamEntity.Event, TeamEntity.State> {

  public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, "Team");
  public static final String TAG = "team";
  public static final List<String> ROLES = List.of("admin", "member", "viewer");

  public sealed interface Command extends CborSerializable {}

  public record Create(String creator, Cause cause, ActorRef<Reply> replyTo) implements Command {}

  public record Get(ActorRef<Reply> replyTo) implements Command {}

  public record SetMember(String email, String role, Cause cause, ActorRef<Reply> replyTo) implements Command {}

  public record RemoveMember(String email, Cause cause, ActorRef<Reply> replyTo) implements Command {}

  public sealed interface Reply extends CborSerializable {}

  public record Done(LiveTeam team) implements Reply {}

  public record Refused(Rejection rejection) implements Reply {}

  public sealed interface Event extends CborSerializable {
    Cause cause();
  }

  @JournalName("team.created")
  public record TeamCreated(String name, String creator, Cause cause) implements Event {}

  @JournalName("team.member-set")
  public record MemberSet(String email, String role, Cause cause) implements Event {}

  @JournalName("team.member-removed")
  public record MemberRemoved(String email, Cause cause) implements Event {}

  public sealed interface State extends CborSerializable {}

  @JournalName("team.state.none")
  public record NoTeam() implements State {}

  @JournalName("team.state.live")
  public record LiveTeam(String name, Instant createdAt, Map<String, String> roles) implements State {
    public LiveTeam {
      roles = Map.copyOf(roles);
    }

    public String role(String email) {
      return roles.get(email);
    }
  }

  public static void init(ActorSystem<?> system, AccessView view) {
    ClusterSharding.get(system).init(Entity.of(TYPE_KEY, ctx -> create(ctx.getEntityId(), view)));
  }

  public static Behavior<Command> create(String name, AccessView view) {
    return Behaviors.setup(ctx -> new TeamEntity(name, view, ctx));
  }

  private final String name;
  private final AccessView view;
  private final ActorContext<Command> ctx;

  private TeamEntity(String name, AccessView view, ActorContext<Command> ctx) {
    super(PersistenceId.of(TYPE_KEY.name(), name),
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1));
    this.name = name;
    this.view = view;
    this.ctx = ctx;
  }

  @Override
  public State emptyState() {
    return new NoTeam();
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
    builder.forStateType(NoTeam.class)
        .onCommand(Create.class, (s, c) -> persist(List.of(new TeamCreated(name, c.creator(), c.cause())), c.replyTo()))
        .onCommand(Get.class, (s, c) -> Effect().reply(c.replyTo(), notFound()))
        .onCommand(SetMember.class, (s, c) -> Effect().reply(c.replyTo(), notFound()))
        .onCommand(RemoveMember.class, (s, c) -> Effect().reply(c.replyTo(), notFound()));
    builder.forStateType(LiveTeam.class)
        .onCommand(Create.class, (s, c) -> Effect().reply(c.replyTo(),
            new Refused(Rejection.invalid("The team name " + name + " is already taken."))))
        .onCommand(Get.class, (s, c) -> Effect().reply(c.replyTo(), new Done(s)))
        .onCommand(SetMember.class, this::setMember)
        .onCommand(RemoveMember.class, this::removeMember);
    return builder.build();
  }

  private ReplyEffect<Event, State> setMember(LiveTeam s, SetMember c) {
    if (!ROLES.contains(c.role())) {
      return Effect().reply(c.replyTo(), new Refused(Rejection.invalid("role='" + c.role() + "' is not a team role;"
          + " use one of " + String.join(", ", ROLES) + ".")));
    }
    if (lastAdminLeaves(s, c.email(), c.role())) {
      return Effect().reply(c.replyTo(), new Refused(Rejection.invalid(c.email() + " is the team's last admin;"
          + " make another member admin first.")));
    }
    if (c.role().equals(s.role(c.email()))) {
      return Effect().reply(c.replyTo(), new Done(s));
    }
    return persist(List.of(new MemberSet(c.email(), c.role(), c.cause())), c.replyTo());
  }

  private ReplyEffect<Event, State> removeMember(LiveTeam s, RemoveMember c) {
    if (s.role(c.email()) == null) {
      return Effect().reply(c.replyTo(), new Refused(Rejection.notFound(c.email() + " is not a member of " + name + ".")));
    }
    if (lastAdminLeaves(s, c.email(), null)) {
      return Effect().reply(c.replyTo(), new Refused(Rejection.invalid(c.email() + " is the team's last admin;"
          + " make another member admin first.")));
    }
    return persist(List.of(new MemberRemoved(c.email(), c.cause())), c.replyTo());
  }

  private static boolean lastAdminLeaves(LiveTeam s, String email, String newRole) {
    return "admin".equals(s.role(email)) && !"admin".equals(newRole)
        && s.roles().values().stream().filter("admin"::equals).count() == 1;
  }

  private Refused notFound() {
    return new Refused(Rejection.notFound("Couldn't find that team."));
  }

  private ReplyEffect<Event, State> persist(List<Event> events, ActorRef<Reply> replyTo) {
    return Effect().persist(events)
        .thenRun(next -> view.team(name, lastSequenceNumber(ctx), next))
        .thenReply(replyTo, next -> new Done((LiveTeam) next));
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(TeamEntity::apply);
  }

  /** The event handler, pure, shared with the {@link AccessView} that follows the journal. */
  public static State apply(State s, Event e) {
    if (e instanceof TeamCreated c) {
      return new LiveTeam(c.name(), c.cause().at(), Map.of(c.creator(), "admin"));
    }
    if (!(s instanceof LiveTeam t)) {
      return s;
    }
    Map<String, String> roles = new HashMap<>(t.roles());
    if (e instanceof MemberSet m) {
      roles.put(m.email(), m.role());
    } else if (e instanceof MemberRemoved m) {
      roles.remove(m.email());
    }
    return new LiveTeam(t.name(), t.createdAt(), roles);
  }
}
