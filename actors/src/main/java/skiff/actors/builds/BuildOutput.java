package skiff.actors.builds;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import skiff.persistence.CborSerializable;

/**
 * A running build's output for the whole cluster (sharded by build id), so that its
 * {@code output_stream_url} streams live through any node, not only the one that builds. The
 * building node sends each line here as it writes it to its own file; followers anywhere get the
 * lines so far, then each new one, then the end.
 *
 * <p>In memory only, as the live stream is: once the build is over its whole output is in the
 * artifact store for every node, and this actor stops a little later. Lines beyond {@link #KEPT_CHARS}
 * are not kept here (the stored output still has them), so a huge build cannot fill a node's heap.
 */
public final class BuildOutput {
  public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, "BuildOutput");
  static final int KEPT_CHARS = 8 * 1024 * 1024;
  /** A build that writes nothing for this long (its node lost, say) is over for its followers. */
  static final Duration SILENT_FOR = Duration.ofHours(1);
  /** How long an ended build's output stays here, for followers that asked just before the end. */
  static final Duration AFTER_END = Duration.ofSeconds(30);

  public sealed interface Command extends CborSerializable {}

  /**
   * The build started: followers may come before its first line. Answered, so that the building
   * node hands out the stream URL only once a follower through any node will find the build.
   */
  public record Begin(ActorRef<org.apache.pekko.Done> replyTo) implements Command {}

  /** Lines the building node wrote, in order. */
  public record Append(List<String> lines) implements Command {}

  /** The build is over and its whole output is stored. */
  public enum End implements Command { INSTANCE }

  /** The lines from index {@code from} on, then each new one until the end. */
  public record Follow(int from, ActorRef<Chunk> follower) implements Command {}

  public record Unfollow(ActorRef<Chunk> follower) implements Command {}

  private enum Silent implements Command { INSTANCE }

  private enum Expire implements Command { INSTANCE }

  private record FollowerGone(ActorRef<Chunk> follower) implements Command {}

  /**
   * Lines for a follower, the first at index {@code first}; {@code ended} once the build is over;
   * {@code known} false when no build of that id runs (the output may be in the store); {@code source}
   * is this actor, for the follower to watch.
   */
  public record Chunk(int first, List<String> lines, boolean ended, boolean known, ActorRef<Command> source)
      implements CborSerializable {}

  private final ActorContext<Command> ctx;
  private final TimerScheduler<Command> timers;
  private final List<String> lines = new ArrayList<>();
  private final Set<ActorRef<Chunk>> followers = new HashSet<>();
  private long chars;
  private boolean truncated;
  private boolean begun;
  private boolean ended;

  private BuildOutput(ActorContext<Command> ctx, TimerScheduler<Command> timers) {
    this.ctx = ctx;
    this.timers = timers;
  }

  public static void init(ActorSystem<?> system) {
    ClusterSharding.get(system).init(Entity.of(TYPE_KEY, entity -> create())
        // it stops by itself after the end, or after a long silence
        .withSettings(ClusterShardingSettings.create(system).withNoPassivationStrategy()));
  }

  static Behavior<Command> create() {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new BuildOutput(ctx, timers).behavior()));
  }

  private Behavior<Command> behavior() {
    return Behaviors.receive(Command.class)
        .onMessage(Begin.class, b -> {
          begun = true;
          b.replyTo().tell(org.apache.pekko.Done.getInstance());
          timers.startSingleTimer(Silent.INSTANCE, SILENT_FOR);
          return Behaviors.same();
        })
        .onMessage(Append.class, this::append)
        .onMessage(End.class, e -> end())
        .onMessage(Silent.class, s -> end())
        .onMessage(Expire.class, e -> Behaviors.stopped())
        .onMessage(Follow.class, this::follow)
        .onMessage(Unfollow.class, u -> {
          followers.remove(u.follower());
          return Behaviors.same();
        })
        .onMessage(FollowerGone.class, g -> {
          followers.remove(g.follower());
          return Behaviors.same();
        })
        .build();
  }

  private Behavior<Command> append(Append a) {
    begun = true;
    timers.startSingleTimer(Silent.INSTANCE, SILENT_FOR);
    int from = lines.size();
    for (String line : a.lines()) {
      if (chars + line.length() > KEPT_CHARS) {
        if (!truncated) {
          truncated = true;
          lines.add(" !     (the rest of this build's output is too long to stream live; it is in its output"
              + " once the build is over)");
        }
        break;
      }
      chars += line.length();
      lines.add(line);
    }
    if (lines.size() > from) {
      Chunk chunk = new Chunk(from, List.copyOf(lines.subList(from, lines.size())), false, true, ctx.getSelf());
      followers.forEach(f -> f.tell(chunk));
    }
    return Behaviors.same();
  }

  private Behavior<Command> end() {
    if (!ended) {
      ended = true;
      Chunk last = new Chunk(lines.size(), List.of(), true, true, ctx.getSelf());
      followers.forEach(f -> f.tell(last));
      followers.clear();
      timers.cancel(Silent.INSTANCE);
      timers.startSingleTimer(Expire.INSTANCE, AFTER_END);
    }
    return Behaviors.same();
  }

  private Behavior<Command> follow(Follow f) {
    if (!begun) {
      // asked about a build that does not run (anyone may ask: stream URLs need no token); this
      // actor was made by the asking, so it goes at once
      f.follower().tell(new Chunk(0, List.of(), true, false, ctx.getSelf()));
      return Behaviors.stopped();
    }
    int from = Math.max(0, Math.min(f.from(), lines.size()));
    f.follower().tell(new Chunk(from, List.copyOf(lines.subList(from, lines.size())), ended, true, ctx.getSelf()));
    if (!ended && followers.add(f.follower())) {
      ctx.watchWith(f.follower(), new FollowerGone(f.follower()));
    }
    return Behaviors.same();
  }
}
