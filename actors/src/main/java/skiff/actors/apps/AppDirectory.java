package skiff.actors.apps;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
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
import skiff.persistence.CborSerializable;
import skiff.persistence.JournalName;

/**
 * The one place that knows which app id goes by which name, so that names stay unique across the
 * whole cluster: a name is claimed here before an app takes it and released when the app goes.
 */
public final class AppDirectory
    extends EventSourcedBehaviorWithEnforcedReplies<AppDirectory.Command, AppDirectory.Event, AppDirectory.State> {

  public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, "AppDirectory");
  /** There is one directory; it is sharded like everything else so any node can reach it. */
  public static final String ENTITY_ID = "apps";

  public sealed interface Command extends CborSerializable {}

  public record Claim(String name, String appId, Cause cause, ActorRef<Reply> replyTo) implements Command {}

  public record MoveName(String appId, String from, String to, Cause cause, ActorRef<Reply> replyTo)
      implements Command {}

  public record ReleaseName(String name, String appId, Cause cause, ActorRef<Reply> replyTo) implements Command {}

  public record Resolve(String name, ActorRef<Reply> replyTo) implements Command {}

  public record ListAll(ActorRef<Reply> replyTo) implements Command {}

  public sealed interface Reply extends CborSerializable permits Resolved, Listing, Rejection {}

  public record Resolved(String name, String appId) implements Reply {}

  /** Every app by name, sorted by name. */
  public record Listing(Map<String, String> appIdsByName) implements Reply {}

  public sealed interface Event extends CborSerializable {
    Cause cause();
  }

  @JournalName("directory.name-claimed")
  public record NameClaimed(String name, String appId, Cause cause) implements Event {}

  @JournalName("directory.name-moved")
  public record NameMoved(String appId, String from, String to, Cause cause) implements Event {}

  @JournalName("directory.name-released")
  public record NameReleased(String name, String appId, Cause cause) implements Event {}

  @JournalName("directory.state")
  public record State(Map<String, String> appIdsByName) implements CborSerializable {
    public State {
      appIdsByName = Map.copyOf(appIdsByName);
    }

    State with(String name, String appId) {
      Map<String, String> next = new HashMap<>(appIdsByName);
      next.put(name, appId);
      return new State(next);
    }

    State without(String name) {
      Map<String, String> next = new HashMap<>(appIdsByName);
      next.remove(name);
      return new State(next);
    }
  }

  public static void init(ActorSystem<?> system) {
    ClusterSharding.get(system).init(Entity.of(TYPE_KEY, ctx -> create()));
  }

  public static Behavior<Command> create() {
    return new AppDirectory();
  }

  private AppDirectory() {
    super(PersistenceId.of(TYPE_KEY.name(), ENTITY_ID),
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1));
  }

  @Override
  public State emptyState() {
    return new State(Map.of());
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return Set.of("directory");
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder().forAnyState()
        .onCommand(Claim.class, this::claim)
        .onCommand(MoveName.class, this::move)
        .onCommand(ReleaseName.class, this::release)
        .onCommand(Resolve.class, (s, c) -> {
          String appId = s.appIdsByName().get(c.name());
          return Effect().reply(c.replyTo(), appId == null ? Rejection.appNotFound() : new Resolved(c.name(), appId));
        })
        .onCommand(ListAll.class, (s, c) -> Effect().reply(c.replyTo(), new Listing(new TreeMap<>(s.appIdsByName()))))
        .build();
  }

  private ReplyEffect<Event, State> claim(State s, Claim c) {
    String holder = s.appIdsByName().get(c.name());
    if (holder != null && !holder.equals(c.appId())) {
      return Effect().reply(c.replyTo(), Rejection.invalid("Name " + c.name() + " is already taken."));
    }
    if (holder != null) {
      return Effect().reply(c.replyTo(), new Resolved(c.name(), c.appId()));
    }
    return Effect().persist(new NameClaimed(c.name(), c.appId(), c.cause()))
        .thenReply(c.replyTo(), next -> new Resolved(c.name(), c.appId()));
  }

  private ReplyEffect<Event, State> move(State s, MoveName c) {
    if (!c.appId().equals(s.appIdsByName().get(c.from()))) {
      return Effect().reply(c.replyTo(), Rejection.appNotFound());
    }
    String holder = s.appIdsByName().get(c.to());
    if (holder != null) {
      return holder.equals(c.appId())
          ? Effect().reply(c.replyTo(), new Resolved(c.to(), c.appId()))
          : Effect().reply(c.replyTo(), Rejection.invalid("Name " + c.to() + " is already taken."));
    }
    return Effect().persist(new NameMoved(c.appId(), c.from(), c.to(), c.cause()))
        .thenReply(c.replyTo(), next -> new Resolved(c.to(), c.appId()));
  }

  private ReplyEffect<Event, State> release(State s, ReleaseName c) {
    if (!c.appId().equals(s.appIdsByName().get(c.name()))) {
      return Effect().reply(c.replyTo(), Rejection.appNotFound());
    }
    return Effect().persist(new NameReleased(c.name(), c.appId(), c.cause()))
        .thenReply(c.replyTo(), next -> new Resolved(c.name(), c.appId()));
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState()
        .onEvent(NameClaimed.class, (s, e) -> s.with(e.name(), e.appId()))
        .onEvent(NameMoved.class, (s, e) -> s.without(e.from()).with(e.to(), e.appId()))
        .onEvent(NameReleased.class, (s, e) -> s.without(e.name()))
        .build();
  }
}
