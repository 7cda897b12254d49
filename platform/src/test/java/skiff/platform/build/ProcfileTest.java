package skiff.platform.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProcfileTest {
  @Test
  void parsesTypesInOrderSkippingCommentsAndBlanks() throws Exception {
    Map<String, String> types = Procfile.parse("# processes\nweb: bundle exec puma -p $PORT\n\nworker:  ./work --fast\n"
        + "release_phase-2: ./migrate\n");
    assertEquals(List.of("web", "worker", "release_phase-2"), List.copyOf(types.keySet()));
    assertEquals("./work --fast", types.get("worker"));
  }

  @Test
  void pointsAtTheLineThatIsWrong() {
    assertTrue(assertThrows(Procfile.Invalid.class, () -> Procfile.parse("web: ok\nno colon here\n")).getMessage()
        .startsWith("Procfile line 2"));
    assertTrue(assertThrows(Procfile.Invalid.class, () -> Procfile.parse("we b: x\n")).getMessage()
        .contains("line 1"));
    assertTrue(assertThrows(Procfile.Invalid.class, () -> Procfile.parse("web.1: x\n")).getMessage()
        .contains("letters, digits"));
    assertTrue(assertThrows(Procfile.Invalid.class, () -> Procfile.parse("web:\n")).getMessage()
        .contains("no command"));
    assertTrue(assertThrows(Procfile.Invalid.class, () -> Procfile.parse("web: a\nweb: b\n")).getMessage()
        .contains("twice"));
  }
}
