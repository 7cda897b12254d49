package skiff.bench;

import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * Writes a long history into an entity's journal quickly, a thousand events a write, with the tags
 * (and, if asked, the snapshots) the real entity would write: what a busy app accumulates over
 * years, made in seconds so its replay can be measured.
 */
final class JournalFiller<E, S> extends EventSourcedBehavior<JournalFiller.Command, E, S> {
  sealed interface Command {}

  record Append(List<?> events, ActorRef<Done> replyTo) implements Command {}

  record Stop(ActorRef<Done> replyTo) implements Command {}

  /** Answered once the history is replayed (commands wait for recovery); the filler stops then. */
  record Replayed(ActorRef<Done> replyTo) implements Command {}

  private final S empty;
  private final BiFunction<S, E, S> apply;
  private final Set<String> tags;
  private final boolean snapshots;

  JournalFiller(PersistenceId id, S empty, BiFunction<S, E, S> apply, Set<String> tags, boolean snapshots) {
    super(id);
    this.empty = empty;
    this.apply = apply;
    this.tags = tags;
    this.snapshots = snapshots;
  }

  @Override
  public S emptyState() {
    return empty;
  }

  @Override
  public Set<String> tagsFor(E event) {
    return tags;
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return snapshots ? RetentionCriteria.snapshotEvery(100, 2) : RetentionCriteria.disabled();
  }

  @Override
  @SuppressWarnings("unchecked")
  public CommandHandler<Command, E, S> commandHandler() {
    return newCommandHandlerBuilder().forAnyState()
        .onCommand(Append.class, (state, c) -> Effect().persist((List<E>) c.events())
            .thenRun(s -> c.replyTo().tell(Done.getInstance())))
        .onCommand(Stop.class, (state, c) -> Effect().stop().thenRun(s -> c.replyTo().tell(Done.getInstance())))
        .onCommand(Replayed.class, (state, c) -> Effect().stop().thenRun(s -> c.replyTo().tell(Done.getInstance())))
        .build();
  }

  @Override
  public EventHandler<S, E> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(apply::apply);
  }
}
