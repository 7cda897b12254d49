package skiff.persistence;

import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.Sequence;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The read side of the journal: events by tag (an app's tag gathers its app, release and dyno
 * events; each entity kind also tags its events with the kind) in journal order, through Pekko
 * Persistence Query on a connection pool of its own, so reads never queue behind writes.
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
    return current(tag).runWith(Sink.seq(), materializer);
  }

  /**
   * The events with any of the tags so far, in journal order (an event carries one of them at
   * most), produced as they are read.
   */
  public Source<EventEnvelope, NotUsed> streamed(List<String> tags) {
    Source<EventEnvelope, NotUsed> merged = current(tags.get(0));
    for (String tag : tags.subList(1, tags.size())) {
      merged = merged.mergeSorted(current(tag), Comparator.comparingLong(JournalReader::ordering));
    }
    return merged;
  }

  /** The events with the tag after {@code after} (0: from the start), then new ones as they are written. */
  public Source<EventEnvelope, NotUsed> following(String tag, long after) {
    return journal.eventsByTag(tag, after <= 0 ? Offset.noOffset() : Offset.sequence(after));
  }

  /** The journal's global position of an event: what offsets and event ids count. */
  public static long ordering(EventEnvelope envelope) {
    return envelope.offset() instanceof Sequence s ? s.value() : envelope.sequenceNr();
  }

  private Source<EventEnvelope, NotUsed> current(String tag) {
    return journal.currentEventsByTag(tag, Offset.noOffset());
  }
}
