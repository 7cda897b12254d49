package skiff.actors.apps;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.pekko.serialization.jackson.JacksonMigration;

/**
 * {@code app.state.live} version 2 added the app's collaborators (accounts given access); snapshots
 * of version 1 had none.
 */
public final class AppStateMigration extends JacksonMigration {
  @Override
  public int currentVersion() {
    return 2;
  }

  @Override
  public JsonNode transform(int fromVersion, JsonNode json) {
    ObjectNode state = (ObjectNode) json;
    if (fromVersion < 2 && !state.has("collaborators")) {
      state.putObject("collaborators");
    }
    return state;
  }
}
