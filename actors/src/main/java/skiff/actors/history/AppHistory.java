package skiff.actors.history;

import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.persistence.query.EventEnvelope;
import skiff.actors.Cause;
import skiff.actors.apps.AppEntity;
import skiff.persistence.JournalReader;

/** An app as its journal says it was at an instant: its events up to then, replayed. */
public final class AppHistory {
  private final JournalReader journal;

  public AppHistory(JournalReader journal) {
    this.journal = journal;
  }

  /** The past as of {@code at}, and when the app's history began (even if that is after {@code at}). */
  public record Past(AppReplay replay, Instant createdAt) {
    public AppEntity.State app() {
      return replay.app();
    }
  }

  /**
   * Each entity's events are taken in journal order up to its first one caused after {@code at}:
   * a prefix of each entity's history, so the state is one that existed even when two requests'
   * times and their order in the journal disagree.
   */
  public CompletionStage<Past> at(String appId, Instant at) {
    return journal.byTag(AppEntity.tag(appId)).thenApply(all -> {
      AppReplay replay = new AppReplay(appId);
      Set<String> ended = new HashSet<>();
      Instant createdAt = null;
      for (EventEnvelope e : all) {
        Cause cause = AppReplay.causeOf(e.event());
        if (cause == null) {
          continue;
        }
        if (createdAt == null) {
          createdAt = cause.at();
        }
        if (ended.contains(e.persistenceId())) {
          continue;
        }
        if (cause.at().isAfter(at)) {
          ended.add(e.persistenceId());
        } else {
          replay.add(e.persistenceId(), e.event());
        }
      }
      return new Past(replay, createdAt);
    });
  }
}
