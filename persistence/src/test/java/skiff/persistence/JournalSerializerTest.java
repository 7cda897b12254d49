package skiff.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.NotSerializableException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.apache.pekko.serialization.jackson.JacksonMigration;
import org.junit.jupiter.api.Test;
import skiff.persistence.secrets.Disclosure;
import skiff.persistence.secrets.HoldsSecrets;
import skiff.persistence.secrets.Keyring;
import skiff.persistence.secrets.SecretValues;

/**
 * What the journal's serializer promises, across two "versions" of a program (two actor systems
 * with different classes for the same stable name, on one key database): a type read by name,
 * whatever its class is called now; an old version migrated on read; config values sealed.
 */
class JournalSerializerTest {
  /** Version 1 of a journaled record, as an older Skiff had it. */
  @JournalName("test.deposit-made")
  public record DepositMade(String account, int amount, @SecretValues Map<String, String> notes)
      implements CborSerializable, HoldsSecrets {
    @Override
    public String secretsOwner() {
      return account;
    }
  }

  /** The same event today: renamed and moved, its amount now cents (version 2). */
  @JournalName(value = "test.deposit-made", migration = AmountInCents.class)
  public record MoneyPaidIn(String account, long cents, @SecretValues Map<String, String> notes)
      implements CborSerializable, HoldsSecrets {
    @Override
    public String secretsOwner() {
      return account;
    }
  }

  public static final class AmountInCents extends JacksonMigration {
    @Override
    public int currentVersion() {
      return 2;
    }

    @Override
    public JsonNode transform(int fromVersion, JsonNode json) {
      ObjectNode node = (ObjectNode) json;
      if (fromVersion < 2) {
        node.put("cents", node.path("amount").asLong() * 100);
        node.remove("amount");
      }
      return node;
    }
  }

  private static Config config(Class<?> root, String db) {
    return ConfigFactory.parseMap(Map.of(
            "skiff.journal.types", List.of(root.getName()),
            "skiff.secrets.store", "jdbc",
            "skiff.secrets.master-key", MASTER,
            "pekko-persistence-jdbc.shared-databases.default.db.url", "jdbc:h2:mem:" + db + ";DB_CLOSE_DELAY=-1",
            "pekko-persistence-jdbc.shared-databases.default.db.user", "sa",
            "pekko-persistence-jdbc.shared-databases.default.db.password", ""))
        .withFallback(ConfigFactory.load());
  }

  private static final String MASTER = Keyring.newMasterKey();

  @Test
  void aRenamedClassKeepingItsNameReadsOldEventsThroughItsMigration() throws Exception {
    ActorTestKit before = ActorTestKit.create("before", config(DepositMade.class, "rename"));
    ActorTestKit after = ActorTestKit.create("after", config(MoneyPaidIn.class, "rename"));
    try {
      Serialization old = SerializationExtension.get(before.system().classicSystem());
      DepositMade written = new DepositMade("acct-1", 12, Map.of("PIN", "4321-secret"));
      byte[] bytes = old.serialize(written).get();
      String manifest = Serializers.manifestFor(old.findSerializerFor(written), written);
      assertEquals("test.deposit-made", manifest, "the manifest is the stable name, not the class");
      assertFalse(new String(bytes, StandardCharsets.ISO_8859_1).contains("4321-secret"), "values are sealed");

      Serialization now = SerializationExtension.get(after.system().classicSystem());
      Object read = now.deserialize(bytes, JournalSerializer.IDENTIFIER, manifest).get();
      assertEquals(new MoneyPaidIn("acct-1", 1200, Map.of("PIN", "4321-secret")), read);
      MoneyPaidIn current = new MoneyPaidIn("acct-1", 5, Map.of());
      assertEquals("test.deposit-made#2", Serializers.manifestFor(now.findSerializerFor(current), current));

      // a version newer than this program knows is refused with its reason, not misread
      Throwable newer = now.deserialize(bytes, JournalSerializer.IDENTIFIER, "test.deposit-made#3").failed().get();
      assertTrue(newer instanceof NotSerializableException && newer.getMessage().contains("newer Skiff"), newer.toString());
      Throwable unknown = now.deserialize(bytes, JournalSerializer.IDENTIFIER, "test.nothing").failed().get();
      assertTrue(unknown.getMessage().contains("does not know"), unknown.toString());
    } finally {
      before.shutdownTestKit();
      after.shutdownTestKit();
    }
  }

  @Test
  void aShreddedKeyLeavesNamesAndNeverValues() {
    ActorTestKit kit = ActorTestKit.create("shred", config(DepositMade.class, "shred"));
    try {
      Serialization serialization = SerializationExtension.get(kit.system().classicSystem());
      DepositMade written = new DepositMade("acct-2", 1, Map.of("PIN", "9999"));
      byte[] bytes = serialization.serialize(written).get();
      Keyring.get(kit.system()).shred("acct-2");
      Object read = serialization.deserialize(bytes, JournalSerializer.IDENTIFIER, "test.deposit-made").get();
      assertEquals(Map.of("PIN", Disclosure.SHREDDED), ((DepositMade) read).notes());
      // and nothing written for the app afterwards can be read again either
      byte[] later = serialization.serialize(new DepositMade("acct-2", 2, Map.of("PIN", "1111"))).get();
      assertFalse(new String(later, StandardCharsets.ISO_8859_1).contains("1111"));
      Object laterRead = serialization.deserialize(later, JournalSerializer.IDENTIFIER, "test.deposit-made").get();
      assertEquals(Map.of("PIN", Disclosure.SHREDDED), ((DepositMade) laterRead).notes());
    } finally {
      kit.shutdownTestKit();
    }
  }

  @Test
  void unnamedJournaledTypesAreRefused() {
    record Unnamed(String x) implements CborSerializable {}
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> JournalTypes.of(List.of(Unnamed.class)));
    assertTrue(e.getMessage().contains("without a @JournalName"), e.getMessage());
  }
}
