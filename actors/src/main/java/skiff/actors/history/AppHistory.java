package skiff.actors.history;

import java.time.Instant;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.persistence.query.EventEnvelope;
import skiff.actors.Cause;
import skiff.actors.apps.AppEntity;
import skiff.actors.dynos.DynoEntity;
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

  public CompletionStage<Past> at(String appId, Instant at) {
    return journal.byTag(AppEntity.tag(appId)).thenApply(all -> {
      AppReplay replay = new AppReplay(appId);
      Instant createdAt = null;
      for (EventEnvelope e : all) {
        Cause cause = causeOf(e.event());
        if (cause == null) {
          continue;
        }
        if (createdAt == null) {
          createdAt = cause.at();
        }
        if (!cause.at().isAfter(at)) {
          replay.add(e.persistenceId(), e.event());
        }
      }
      return new Past(replay, createdAt);
    });
  }

  private static Cause causeOf(Object event) {
    if (event instanceof AppEntity.Event e) {
      return e.cause();
    }
    return event instanceof DynoEntity.Event e ? e.cause() : null;
  }
}
