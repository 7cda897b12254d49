package skiff.platform.node;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import skiff.actors.accounts.AccessView;
import skiff.actors.accounts.AccountEntity;
import skiff.actors.accounts.TeamEntity;
import skiff.persistence.JournalReader;

/**
 * Fills the node's {@link AccessView} from the journal before the API opens (every account, token
 * and team so far), then keeps following it, so changes made through any node reach this one.
 */
final class AccessFeed {
  private AccessFeed() {}

  static void start(ActorSystem<?> system, JournalReader journal, AccessView view, Duration timeout) {
    long accounts = load(journal, AccountEntity.TAG, view, timeout);
    long teams = load(journal, TeamEntity.TAG, view, timeout);
    Materializer materializer = Materializer.matFromSystem(system);
    journal.following(AccountEntity.TAG, accounts).runWith(Sink.foreach(e -> apply(view, e)), materializer);
    journal.following(TeamEntity.TAG, teams).runWith(Sink.foreach(e -> apply(view, e)), materializer);
  }

  private static long load(JournalReader journal, String tag, AccessView view, Duration timeout) {
    try {
      long last = 0;
      for (EventEnvelope e : journal.byTag(tag).toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        apply(view, e);
        last = Math.max(last, JournalReader.ordering(e));
      }
      return last;
    } catch (Exception e) {
      throw new SettingsException("could not read the accounts from the journal: " + e.getMessage());
    }
  }

  private static void apply(AccessView view, EventEnvelope e) {
    String id = e.persistenceId().substring(e.persistenceId().indexOf('|') + 1);
    if (e.event() instanceof AccountEntity.Event event) {
      view.accountEvent(id, e.sequenceNr(), event);
    } else if (e.event() instanceof TeamEntity.Event event) {
      view.teamEvent(id, e.sequenceNr(), event);
    }
  }
}
