package skiff.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import skiff.platform.node.SkiffNode;

/**
 * The journal in PostgreSQL (SKIFF_DATABASE_URL), as a cluster would keep it: the schema and the
 * tag index are made at start, writes survive a restart, and the read side (events, following,
 * state, export) runs its own tag query there too. Needs the PostgreSQL server on 127.0.0.1:5432.
 */
class PostgresJournalTest {
  @Test
  void theJournalLivesInPostgresqlAndItsReadSideWorksThere() throws Exception {
    String database = TestDatabases.create();
    try {
      Path home = TestNode.freshHome();
      Map<String, String> env = TestNode.env(home);
      env.put("SKIFF_DATABASE_URL", TestDatabases.url(database));
      String changeRequest;
      try (SkiffNode node = TestNode.start(env)) {
        Api api = new Api(node.apiPort(), TestNode.TOKEN);
        assertEquals("postgresql", api.get("/status").body().path("journal").asText());
        api.post("/apps", "{\"name\":\"pg-app\"}").expect(201);
        try (EventStream follow = EventStream.open(node.apiPort(), "/apps/pg-app/events?type=ConfigVarsChanged", null)) {
          changeRequest = api.patch("/apps/pg-app/config-vars", "{\"A\":\"1\"}").expect(200).header("Request-Id");
          assertEquals(changeRequest, follow.next(Duration.ofSeconds(10)).data().path("request_id").asText());
        }
        api.patch("/apps/pg-app/config-vars", "{\"B\":\"2\"}").expect(200);
      }
      try (SkiffNode node = TestNode.start(env)) {
        Api api = new Api(node.apiPort(), TestNode.TOKEN);
        assertEquals("1", api.get("/apps/pg-app/config-vars").body().path("A").asText(), "recovered from PostgreSQL");
        JsonNode events = api.get("/apps/pg-app/events", "id ..; max=1000").expect(200).body();
        List<String> types = new ArrayList<>();
        events.forEach(e -> types.add(e.path("type").asText()));
        assertEquals(List.of("app.created", "app.release-issued", "release.created", "app.config-vars-changed", "app.release-issued",
            "release.created", "app.config-vars-changed", "app.release-issued", "release.created"), types);
        assertEquals(changeRequest, events.get(3).path("request_id").asText());
        assertTrue(api.get("/events?type=NameClaimed").body().get(0).path("data").path("name").asText()
            .equals("pg-app"));
        JsonNode state = api.get("/apps/pg-app/state").expect(200).body();
        assertEquals(3, state.path("release").path("version").asInt());
      }
    } finally {
      TestDatabases.drop(database);
    }
  }
}
