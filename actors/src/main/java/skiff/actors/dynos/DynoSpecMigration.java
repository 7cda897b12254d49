package skiff.actors.dynos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.pekko.serialization.jackson.JacksonMigration;
import skiff.actors.apps.Stacks;

/**
 * {@code shared.dyno-spec} version 2 names the stack the dyno runs on. Specs of version 1 were
 * written when every dyno ran on the host's userland, which the default stack replaces.
 */
public final class DynoSpecMigration extends JacksonMigration {
  @Override
  public int currentVersion() {
    return 2;
  }

  @Override
  public JsonNode transform(int fromVersion, JsonNode json) {
    ObjectNode spec = (ObjectNode) json;
    if (fromVersion < 2 && !spec.has("stack")) {
      spec.put("stack", Stacks.DEFAULT);
    }
    return spec;
  }
}
