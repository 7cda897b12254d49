package skiff.persistence;

import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The read side of the journal: events by tag (an app's tag gathers its app, release and dyno
 * events) in journal order, through Pekko Persistence Query, apart from the write side.
 */
public final class JournalReader {
  private final JdbcReadJournal journal;
  private final Materializer materializer;

  public JournalReader(ActorSystem<?> system) {
    this.journal = PersistenceQuery.get(system).getReadJournalFor(JdbcReadJournal.class, JdbcReadJournal.Identifier());
    this.materializer = Materializer.matFromSystem(system);
  }

  /** Every event with the tag so far, oldest first. */
  public CompletionStage<List<EventEnvelope>> byTag(String tag) {
    return journal.currentEventsByTag(tag, Offset.noOffset()).runWith(Sink.seq(), materializer);
  }

  /** The events with the tag, then new ones as they are written. */
  public Source<EventEnvelope, NotUsed> following(String tag) {
    return journal.eventsByTag(tag, Offset.noOffset());
  }

}
