package skiff.platform.build;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReleaseYamlTest {
  @Test
  void readsDefaultProcessTypesAndIgnoresTheRest() {
    assertEquals(Map.of("web", "npm start", "worker", "node w.js"), ReleaseYaml.defaultProcessTypes(List.of(
        "---", "addons: []", "config_vars:", "  A: b", "default_process_types:", "  web: npm start",
        "  worker: 'node w.js'")));
    assertEquals(Map.of(), ReleaseYaml.defaultProcessTypes(List.of("--- {}")));
  }
}
