package skiff.actors.logs;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import skiff.actors.apps.LogDrain;
import skiff.persistence.CborSerializable;

/**
 * One app's log for the whole cluster, as Heroku's Logplex is one service in front of a fleet:
 * every node sends the lines written there (dyno output, router lines, API and platform lines) to
 * this one actor (sharded by app id), which numbers them in arrival order, keeps the last 1,500,
 * hands them to the tails following the app, wherever those are, and to the app's drains, which
 * run here, once for the cluster.
 *
 * <p>Not persisted, as Heroku's log history is not: the history is lost when the actor moves to
 * another node (a lost node, a rebalance), and a tail that was following follows the new one. So
 * that a reader's "after line N" keeps its meaning across that, numbering starts at the start
 * time in milliseconds times 1,000: a later incarnation's numbers are always higher.
 */
public final class AppLogplex {
  public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, "AppLogplex");
  public static final int KEPT = 1500;
  /** How long a node waits to hear an app's history before it answers without it. */
  public static final Duration ASK_TIMEOUT = Duration.ofSeconds(3);

  public sealed interface Command extends CborSerializable {}

  /** Lines one node wrote, in the order it wrote them. */
  public record Append(List<Entry> lines) implements Command {}

  /** A line as written, before it has its number. */
  public record Entry(Instant time, String source, String dyno, String message) implements CborSerializable {}

  /** The kept lines after {@code afterSeq}, once. */
  public record History(long afterSeq, ActorRef<Lines> replyTo) implements Command {}

  /** The kept lines after {@code afterSeq} at once, then each new line until unfollowed (or the follower stops). */
  public record Follow(long afterSeq, ActorRef<Lines> follower) implements Command {}

  public record Unfollow(ActorRef<Lines> follower) implements Command {}

  /** The app's drains as its latest change left them. */
  public record DrainsChanged(List<LogDrain> drains) implements Command {}

  /** The app is gone: its log and drains with it. */
  public enum Close implements Command { INSTANCE }

  private record FollowerGone(ActorRef<Lines> follower) implements Command {}

  private record DrainsLoaded(List<LogDrain> drains) implements Command {}

  /** Lines for a reader, from {@code from} (a follower watches it, to follow its successor). */
  public record Lines(List<LogLine> lines, ActorRef<Command> from) implements CborSerializable {}

  /** Where an app's drains deliver: on the node this actor runs on. */
  public interface Drains {
    /** The app's drains are these now (none: stop delivering). */
    void configure(String appId, List<LogDrain> drains);

    /** New lines for the app's drains. */
    void offer(String appId, List<LogLine> lines);
  }

  private final String appId;
  private final ActorContext<Command> ctx;
  private final Drains drains;
  private final ArrayDeque<LogLine> kept = new ArrayDeque<>();
  private final Set<ActorRef<Lines>> followers = new HashSet<>();
  private long next;
  private boolean drainsKnown;

  private AppLogplex(String appId, ActorContext<Command> ctx, Drains drains) {
    this.appId = appId;
    this.ctx = ctx;
    this.drains = drains;
    this.next = System.currentTimeMillis() * 1000 + 1;
  }

  /**
   * Starts the app logs' shards on this node: {@code drains} delivers for the apps whose log runs
   * here; {@code drainsOf} reads an app's drains when its log starts (they change later through
   * {@link DrainsChanged}).
   */
  public static void init(ActorSystem<?> system, Drains drains,
      Function<String, CompletionStage<List<LogDrain>>> drainsOf) {
    ClusterSharding.get(system).init(Entity.of(TYPE_KEY, entity -> create(entity.getEntityId(), drains, drainsOf))
        // an idle app's log keeps its history: it stops only with the app (Close)
        .withSettings(ClusterShardingSettings.create(system).withNoPassivationStrategy()
            .withRememberEntities(false)));
  }

  static Behavior<Command> create(String appId, Drains drains,
      Function<String, CompletionStage<List<LogDrain>>> drainsOf) {
    return Behaviors.setup(ctx -> {
      ctx.pipeToSelf(drainsOf.apply(appId), (found, error) -> new DrainsLoaded(error == null ? found : null));
      return new AppLogplex(appId, ctx, drains).behavior();
    });
  }

  private Behavior<Command> behavior() {
    return Behaviors.receive(Command.class)
        .onMessage(Append.class, this::append)
        .onMessage(History.class, h -> {
          h.replyTo().tell(new Lines(after(h.afterSeq()), ctx.getSelf()));
          return Behaviors.same();
        })
        .onMessage(Follow.class, this::follow)
        .onMessage(Unfollow.class, u -> unfollow(u.follower()))
        .onMessage(FollowerGone.class, g -> unfollow(g.follower()))
        .onMessage(DrainsChanged.class, d -> {
          drainsKnown = true;
          drains.configure(appId, d.drains());
          return Behaviors.same();
        })
        .onMessage(DrainsLoaded.class, d -> {
          // a change that came first is newer than what was read at the start
          if (!drainsKnown && d.drains() != null) {
            drainsKnown = true;
            drains.configure(appId, d.drains());
          }
          return Behaviors.same();
        })
        .onMessage(Close.class, c -> Behaviors.stopped())
        .onSignal(PostStop.class, s -> {
          // the drains run where the log runs: its next home takes them over
          drains.configure(appId, List.of());
          return Behaviors.same();
        })
        .build();
  }

  private Behavior<Command> append(Append append) {
    List<LogLine> numbered = new ArrayList<>(append.lines().size());
    for (Entry e : append.lines()) {
      LogLine line = new LogLine(next++, e.time(), e.source(), e.dyno(), e.message());
      numbered.add(line);
      kept.addLast(line);
    }
    while (kept.size() > KEPT) {
      kept.removeFirst();
    }
    Lines lines = new Lines(List.copyOf(numbered), ctx.getSelf());
    followers.forEach(f -> f.tell(lines));
    drains.offer(appId, lines.lines());
    return Behaviors.same();
  }

  private Behavior<Command> follow(Follow follow) {
    if (followers.add(follow.follower())) {
      ctx.watchWith(follow.follower(), new FollowerGone(follow.follower()));
    }
    follow.follower().tell(new Lines(after(follow.afterSeq()), ctx.getSelf()));
    return Behaviors.same();
  }

  private Behavior<Command> unfollow(ActorRef<Lines> follower) {
    if (followers.remove(follower)) {
      ctx.unwatch(follower);
    }
    return Behaviors.same();
  }

  private List<LogLine> after(long afterSeq) {
    List<LogLine> out = new ArrayList<>();
    for (LogLine line : kept) {
      if (line.seq() > afterSeq) {
        out.add(line);
      }
    }
    return out;
  }
}
