package skiff.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import skiff.persistence.secrets.Keyring;
import skiff.platform.node.SettingsException;
import skiff.platform.node.SkiffNode;

/**
 * Config values never reach the disk or the journal's readers in the clear: sealed in every event
 * and snapshot, redacted in events and exports unless an admin reveals them, gone for good once the
 * app is destroyed (its data key deleted), and SKIFF_HOME closed to other users.
 */
class SecretsTest {

  @Test
  void configValuesAreSealedRedactedAndShreddedWithTheApp() throws Exception {
    Path home = TestNode.freshHome();
    String canary = "canary-" + UUID.randomUUID();
    String survivor = "survivor-" + UUID.randomUUID();
    try (SkiffNode node = TestNode.start(home)) {
      Api api = new Api(node.apiPort(), TestNode.TOKEN);
      api.post("/apps", "{\"name\":\"vault\"}").expect(201);
      api.post("/apps", "{\"name\":\"stays\"}").expect(201);
      api.patch("/apps/vault/config-vars", "{\"SECRET\":\"" + canary + "\"}").expect(200);
      api.patch("/apps/stays/config-vars", "{\"KEPT\":\"" + survivor + "\"}").expect(200);
      String slug = api.post("/apps/vault/slugs", "{\"process_types\":{\"worker\":\"sleep 600\"}}")
          .expect(201).body().path("id").asText();
      api.post("/apps/vault/releases", "{\"slug\":\"" + slug + "\"}").expect(201);
      api.patch("/apps/vault/formation", "{\"updates\":[{\"type\":\"worker\",\"quantity\":\"2\"}]}").expect(200);
      // enough changes for the app entity to save snapshots (every 100 events) holding its config
      for (int i = 0; i < 60; i++) {
        api.patch("/apps/vault/config-vars", "{\"N\":\"" + i + "\"}").expect(200);
      }
      assertEquals(canary, api.get("/apps/vault/config-vars").expect(200).body().path("SECRET").asText(),
          "the API that is for reading config vars reads them");

      String events = api.get("/apps/vault/events?type=app.config-vars-changed", "id ..; max=1").expect(206)
          .raw().body();
      assertTrue(events.contains("\"SECRET\":\"[redacted]\"") && !events.contains(canary), events);
      assertTrue(api.get("/apps/vault/events?type=app.config-vars-changed&reveal=true", "id ..; max=1")
          .raw().body().contains(canary), "an admin may reveal them");
      String export = api.text("/apps/vault/events/export");
      assertFalse(export.contains(canary), "a plain export holds no value");
      assertTrue(export.contains("\"type\":\"dyno.assigned\"") && export.contains("[redacted]"), "names, not values");
      assertTrue(api.text("/apps/vault/events/export?reveal=true").contains(canary));
      api.get("/apps/vault/events?reveal=maybe").expectError(422, "invalid_params", "reveal");
    }

    List<String> holding = filesContaining(home, canary);
    assertEquals(List.of(), holding, "no file under SKIFF_HOME (journal, snapshots, repos) holds the value");
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(home)));
    for (Path secret : List.of(home.resolve("secret.key"), home.resolve("journal").resolve("skiff.mv.db"))) {
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(secret)), secret.toString());
    }

    try (SkiffNode again = TestNode.start(home)) {
      Api api = new Api(again.apiPort(), TestNode.TOKEN);
      assertEquals(canary, api.get("/apps/vault/config-vars").expect(200).body().path("SECRET").asText(),
          "a restart opens the values with the key in secret.key");
      api.delete("/apps/vault").expect(200);
      String everything = api.text("/events/export?reveal=true");
      assertFalse(everything.contains(canary), "once destroyed, not even a revealed export holds the value");
      assertTrue(everything.contains("\"SECRET\":\"[shredded]\""), "the name stays, the value is gone");
      assertTrue(everything.contains("\"type\":\"app.destroyed\""), "the rest of the history stays readable");
      assertTrue(everything.contains(survivor), "other apps keep theirs");
    }
  }

  @Test
  void aNodeGivenAnotherMasterKeyRefusesToStart() throws Exception {
    Path home = TestNode.freshHome();
    try (SkiffNode node = TestNode.start(home)) {
      new Api(node.apiPort(), TestNode.TOKEN).post("/apps", "{\"name\":\"sealed\"}").expect(201);
    }
    Map<String, String> env = TestNode.env(home);
    env.put("SKIFF_SECRET_KEY", Keyring.newMasterKey());
    SettingsException wrong = assertThrows(SettingsException.class, () -> TestNode.start(env).close());
    assertTrue(wrong.getMessage().contains("not the one this journal's secrets were sealed with"), wrong.getMessage());
    env.put("SKIFF_SECRET_KEY", "too-short");
    SettingsException bad = assertThrows(SettingsException.class, () -> TestNode.start(env).close());
    assertTrue(bad.getMessage().contains("SKIFF_SECRET_KEY"), bad.getMessage());
  }

  private static List<String> filesContaining(Path root, String needle) throws IOException {
    byte[] wanted = needle.getBytes(StandardCharsets.UTF_8);
    List<String> found = new ArrayList<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        if (indexOf(Files.readAllBytes(f), wanted) >= 0) {
          found.add(root.relativize(f).toString());
        }
      }
    }
    return found;
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
