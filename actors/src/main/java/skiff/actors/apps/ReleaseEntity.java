package skiff.actors.apps;

import java.time.Duration;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.SnapshotSelectionCriteria;
import org.apache.pekko.persistence.typed.javadsl.Recovery;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import skiff.persistence.CborSerializable;
import skiff.persistence.JournalName;

/**
 * One release of one app: version, description, slug, a snapshot of the config vars and the
 * process types. Issued by its {@link AppEntity}, which hands it over until this entity confirms;
 * recording is idempotent so a repeated hand-over changes nothing.
 */
public final class ReleaseEntity
    extends EventSourcedBehaviorWithEnforcedReplies<ReleaseEntity.Command, ReleaseEntity.Event, ReleaseEntity.State> {

  public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, "Release");

  public sealed interface Command extends CborSerializable {}

  public record Record(ReleaseRecord release, ActorRef<Reply> replyTo) implements Command {}

  public record Get(ActorRef<Reply> replyTo) implements Command {}

  public sealed interface Reply extends CborSerializable permits Found, Rejection {}

  public record Found(ReleaseRecord release) implements Reply {}

  public sealed interface Event extends CborSerializable {}

  @JournalName("release.created")
  public record ReleaseCreated(ReleaseRecord release) implements Event {}

  /** A pending release's release phase ended: {@code succeeded} or {@code failed}. */
  @JournalName("release.status-changed")
  public record StatusChanged(String status) implements Event {}

  public sealed interface State extends CborSerializable {}

  @JournalName("release.state.unknown")
  public record Unknown() implements State {}

  @JournalName("release.state.known")
  public record Known(ReleaseRecord release) implements State {}

  public static void init(ActorSystem<?> system) {
    ClusterSharding.get(system).init(Entity.of(TYPE_KEY, ctx -> create(ctx.getEntityId())));
  }

  public static String entityId(String appId, int version) {
    return appId + ":v" + version;
  }

  public static Behavior<Command> create(String entityId) {
    return new ReleaseEntity(entityId);
  }

  private final String appId;

  private ReleaseEntity(String entityId) {
    super(PersistenceId.of(TYPE_KEY.name(), entityId),
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1));
    this.appId = entityId.substring(0, entityId.lastIndexOf(":v"));
  }

  @Override
  public State emptyState() {
    return new Unknown();
  }

  /** A release has one or two events and never a snapshot; not asking for one saves a query per start. */
  @Override
  public Recovery recovery() {
    return Recovery.withSnapshotSelectionCriteria(SnapshotSelectionCriteria.none());
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return Set.of(AppEntity.tag(appId), "release");
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    var builder = newCommandHandlerWithReplyBuilder();
    builder.forStateType(Unknown.class)
        .onCommand(Record.class, (s, c) -> Effect().persist(new ReleaseCreated(c.release()))
            .thenReply(c.replyTo(), next -> new Found(c.release())))
        .onCommand(Get.class, (s, c) -> Effect().reply(c.replyTo(), Rejection.notFound("Couldn't find that release.")));
    builder.forStateType(Known.class)
        .onCommand(Record.class, (s, c) -> {
          if (!s.release().id().equals(c.release().id())) {
            return Effect().reply(c.replyTo(), new Rejection("conflict",
                "Release v" + s.release().version() + " already exists with other contents."));
          }
          if (!s.release().status().equals(c.release().status())) {
            return Effect().persist(new StatusChanged(c.release().status()))
                .thenReply(c.replyTo(), next -> new Found(((Known) next).release()));
          }
          return Effect().reply(c.replyTo(), new Found(s.release()));
        })
        .onCommand(Get.class, (s, c) -> Effect().reply(c.replyTo(), new Found(s.release())));
    return builder.build();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState()
        .onEvent(ReleaseCreated.class, (s, e) -> new Known(e.release()))
        .onEvent(StatusChanged.class, (s, e) -> new Known(((Known) s).release().withStatus(e.status())))
        .build();
  }
}
