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
import skiff.actors.apps.AppDirectory.Reply;

class AppDirectoryTest {
  private static final ActorTestKit kit = ActorTestKit.create(EventSourcedBehaviorTestKit.config());

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private static Cause cause() {
    return new Cause("a@b.c", Instant.now(), "req");
  }

  @Test
  void namesAreUniqueMovableAndReleasable() {
    var dir = EventSourcedBehaviorTestKit.<AppDirectory.Command, AppDirectory.Event, AppDirectory.State>create(
        kit.system(), AppDirectory.create());
    dir.<Reply>runCommand(r -> new AppDirectory.Claim("blog", "id-1", cause(), r));
    var taken = dir.<Reply>runCommand(r -> new AppDirectory.Claim("blog", "id-2", cause(), r));
    assertEquals("invalid_params", assertInstanceOf(Rejection.class, taken.reply()).id());
    assertTrue(taken.hasNoEvents());

    dir.<Reply>runCommand(r -> new AppDirectory.Claim("shop", "id-2", cause(), r));
    var clash = dir.<Reply>runCommand(r -> new AppDirectory.MoveName("id-1", "blog", "shop", cause(), r));
    assertTrue(assertInstanceOf(Rejection.class, clash.reply()).message().contains("already taken"));
    dir.<Reply>runCommand(r -> new AppDirectory.MoveName("id-1", "blog", "journal", cause(), r));
    dir.<Reply>runCommand(r -> new AppDirectory.ReleaseName("shop", "id-2", cause(), r));

    dir.restart();
    var listing = dir.<Reply>runCommand(AppDirectory.ListAll::new);
    assertEquals(Map.of("journal", "id-1"), assertInstanceOf(AppDirectory.Listing.class, listing.reply()).appIdsByName());
    var gone = dir.<Reply>runCommand(r -> new AppDirectory.Resolve("blog", r));
    assertEquals("not_found", assertInstanceOf(Rejection.class, gone.reply()).id());
  }
}
