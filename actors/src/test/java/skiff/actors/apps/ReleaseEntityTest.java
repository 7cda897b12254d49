package skiff.actors.apps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import skiff.actors.Cause;

class ReleaseEntityTest {
  private static final ActorTestKit kit = ActorTestKit.create(EventSourcedBehaviorTestKit.config());

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private static ReleaseRecord release(String id) {
    return new ReleaseRecord("app-1", id, 3, "Set A config vars", "slug-9", Map.of("A", "1"), Map.of("web", "./s"),
        ReleaseRecord.SUCCEEDED, new Cause("a@b.c", Instant.now(), "req"));
  }

  @Test
  void recordsOnceAndAnswersTheSameAfterwardsAndAfterRecovery() {
    var entity = EventSourcedBehaviorTestKit.<ReleaseEntity.Command, ReleaseEntity.Event, ReleaseEntity.State>create(
        kit.system(), ReleaseEntity.create(ReleaseEntity.entityId("app-1", 3)));
    var missing = entity.<ReleaseEntity.Reply>runCommand(ReleaseEntity.Get::new);
    assertEquals("not_found", assertInstanceOf(Rejection.class, missing.reply()).id());

    var first = entity.<ReleaseEntity.Reply>runCommand(r -> new ReleaseEntity.Record(release("r-1"), r));
    assertEquals(1, first.events().size());
    var again = entity.<ReleaseEntity.Reply>runCommand(r -> new ReleaseEntity.Record(release("r-1"), r));
    assertTrue(again.hasNoEvents(), "a repeated hand-over changes nothing");
    var other = entity.<ReleaseEntity.Reply>runCommand(r -> new ReleaseEntity.Record(release("r-2"), r));
    assertEquals("conflict", assertInstanceOf(Rejection.class, other.reply()).id());

    entity.restart();
    var found = entity.<ReleaseEntity.Reply>runCommand(ReleaseEntity.Get::new);
    assertEquals(release("r-1").config(), assertInstanceOf(ReleaseEntity.Found.class, found.reply()).release().config());
  }
}
