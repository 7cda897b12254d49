package skiff.test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import skiff.persistence.JournalDatabase;
import skiff.platform.build.FileSlugStore;
import skiff.platform.build.SharedSlugStore;

/**
 * Slugs in a cluster's PostgreSQL (a real database, fresh per run): what one node stores another
 * node, with nothing in its own cache, gets byte for byte; a damaged copy is refused; slugs no
 * release keeps are collected; and, with real nodes, a release built on one runs on another.
 */
class SharedSlugStoreTest {

  @Test
  void aSlugStoredByOneNodeIsRunByAnotherAndADamagedOneIsRefused() throws Exception {
    String name = TestDatabases.create();
    try {
      JournalDatabase database = TestDatabases.migrated(name);
      Path work = Files.createTempDirectory("shared-slugs");
      SharedSlugStore first = store(database, work.resolve("node-1"));
      SharedSlugStore second = store(database, work.resolve("node-2"));

      byte[] bytes = new byte[(5 << 19) + 123]; // two and a half chunks
      new Random(12).nextBytes(bytes);
      Path archive = work.resolve("slug.tgz");
      Files.write(archive, bytes);
      String checksum = first.put(archive);
      assertTrue(checksum.matches("SHA256:[0-9a-f]{64}"), checksum);
      assertEquals(checksum, first.put(write(work, bytes)), "storing the same bytes again is harmless");

      Path fetched = second.find(checksum).orElseThrow();
      assertTrue(fetched.startsWith(work.resolve("node-2")), "the second node's cache now holds it: " + fetched);
      assertArrayEquals(bytes, Files.readAllBytes(fetched));
      assertTrue(second.find("SHA256:" + "0".repeat(64)).isEmpty(), "a slug no node stored");

      // a flipped byte in the database: a third node refuses to use it and keeps nothing of it
      try (Connection c = DriverManager.getConnection(database.url(), database.user(), database.password());
          Statement s = c.createStatement()) {
        s.executeUpdate("UPDATE skiff_artifact_chunks SET data = overlay(data placing '\\x00'::bytea from 10)"
            + " WHERE checksum = '" + checksum + "' AND seq = 1");
      }
      Path third = work.resolve("node-3");
      assertTrue(store(database, third).find(checksum).isEmpty());
      try (var left = Files.list(third.resolve("slugs"))) {
        assertFalse(left.findAny().isPresent(), "nothing of the damaged slug is cached");
      }

      // kept by a release: stays; kept by none (and older than the spare time): goes
      assertEquals(0, first.collect(Set.of(checksum.substring(7)), Duration.ZERO));
      assertEquals(1, first.collect(Set.of(), Duration.ZERO));
      assertTrue(store(database, work.resolve("node-4")).find(checksum).isEmpty());
    } finally {
      TestDatabases.drop(name);
    }
  }

  /** A node's settings on the shared database, with the cluster's master key. */
  private static java.util.Map<String, String> onDatabase(Path home, String database, String key) {
    java.util.Map<String, String> env = TestNode.env(home);
    env.put("SKIFF_DATABASE_URL", TestDatabases.url(database));
    env.put("SKIFF_SECRET_KEY", key);
    return env;
  }

  private static SharedSlugStore store(JournalDatabase database, Path home) throws Exception {
    return new SharedSlugStore(database, new FileSlugStore(home.resolve("slugs")), home.resolve("tmp"));
  }

  private static Path write(Path work, byte[] bytes) throws Exception {
    Path copy = Files.createTempFile(work, "again-", ".tgz");
    Files.write(copy, bytes);
    return copy;
  }

  @Test
  void aReleaseBuiltOnOneNodeRunsOnANodeThatNeverSawItsBuild() throws Exception {
    String name = TestDatabases.create();
    try {
      String key = java.util.Base64.getEncoder().encodeToString(new byte[32]);
      try (skiff.platform.node.SkiffNode node = TestNode.start(onDatabase(TestNode.freshHome(), name, key))) {
        Api api = new Api(node.apiPort(), TestNode.TOKEN);
        DynoTest.deploy(api, node.apiPort(), Files.createTempDirectory("shared-slug-app"), "built-here");
        DynoTest.awaitDyno(api, "built-here", "web.1", d -> d.path("state").asText().equals("up"),
            Duration.ofSeconds(60));
      }
      // another node, another home: no repository, no build, no slug on its disk; the journal and the
      // slug in PostgreSQL are all it has
      Path second = TestNode.freshHome();
      try (skiff.platform.node.SkiffNode node = TestNode.start(onDatabase(second, name, key))) {
        Api api = new Api(node.apiPort(), TestNode.TOKEN);
        com.fasterxml.jackson.databind.JsonNode web = DynoTest.awaitDyno(api, "built-here", "web.1",
            d -> d.path("state").asText().equals("up"), Duration.ofSeconds(60));
        assertEquals("web.1", DynoTest.get(web, "/"));
        try (var slugs = Files.list(second.resolve("slugs"))) {
          assertEquals(1, slugs.count(), "the slug came down into this node's cache");
        }
      }
    } finally {
      TestDatabases.drop(name);
    }
  }
}
