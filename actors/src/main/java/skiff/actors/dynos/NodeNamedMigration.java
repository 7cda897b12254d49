package skiff.actors.dynos;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.pekko.serialization.jackson.JacksonMigration;

/**
 * Version 2 of {@code dyno.starting}, {@code dyno.restarted} and {@code dyno.process} names the
 * node that runs the process. Version 1 named none: it reads as null ("not known"), which is what
 * such a journal can say, so nothing is added.
 */
public final class NodeNamedMigration extends JacksonMigration {
  @Override
  public int currentVersion() {
    return 2;
  }

  @Override
  public JsonNode transform(int fromVersion, JsonNode json) {
    return json;
  }
}
