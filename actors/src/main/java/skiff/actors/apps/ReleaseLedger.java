package skiff.actors.apps;

import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;

/**
 * Where an app hands the releases it issues so they get an entity of their own. The app keeps
 * asking until the ledger confirms, across restarts, so no release the app knows of goes missing.
 */
@FunctionalInterface
public interface ReleaseLedger {
  CompletionStage<Done> record(ReleaseRecord release);
}
