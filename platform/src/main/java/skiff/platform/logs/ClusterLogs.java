package skiff.platform.logs;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import skiff.actors.apps.AppEntity.LiveApp;
import skiff.actors.apps.AppObserver;
import skiff.actors.logs.AppLogplex;
import skiff.actors.logs.AppLogs;
import skiff.actors.logs.LogLine;

/**
 * This node's way into the apps' logs, which are one per app for the cluster ({@link AppLogplex}):
 * lines written here are gathered for a few milliseconds and sent to their app's log in order
 * (one sender thread, so the lines of one source stay in the order they were written); history and
 * tails are asked of the app's log wherever it runs. As an {@link AppObserver} on the nodes where
 * the app entities run, it tells each app's log its drains after every change and closes it with
 * the app.
 */
public final class ClusterLogs implements AppLogs, AppObserver {
  /** Heroku cuts a log line at 10,000 bytes; a longer one is cut here, with a mark. */
  static final int MAX_LINE = 10_000;
  /** What one message to an app's log carries at most, well inside Artery's 256 KiB frame. */
  private static final int MAX_BATCH_CHARS = 100_000;
  private static final long GATHER_MILLIS = 5;

  private final ActorSystem<?> system;
  private final ClusterSharding sharding;
  private final ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "skiff-log-sender");
    t.setDaemon(true);
    return t;
  });
  private final AtomicLong followers = new AtomicLong();
  private Map<String, List<AppLogplex.Entry>> pending = new LinkedHashMap<>();
  private boolean sendScheduled;

  public ClusterLogs(ActorSystem<?> system) {
    this.system = system;
    this.sharding = ClusterSharding.get(system);
  }

  private EntityRef<AppLogplex.Command> log(String appId) {
    return sharding.entityRefFor(AppLogplex.TYPE_KEY, appId);
  }

  @Override
  public void append(String appId, String source, String dyno, String message) {
    String line = message.length() <= MAX_LINE ? message : message.substring(0, MAX_LINE) + " [truncated]";
    AppLogplex.Entry entry = new AppLogplex.Entry(Instant.now(), source, dyno, line);
    synchronized (this) {
      pending.computeIfAbsent(appId, id -> new ArrayList<>()).add(entry);
      if (!sendScheduled) {
        sendScheduled = true;
        sender.schedule(this::send, GATHER_MILLIS, TimeUnit.MILLISECONDS);
      }
    }
  }

  private void send() {
    Map<String, List<AppLogplex.Entry>> gathered;
    synchronized (this) {
      gathered = pending;
      pending = new LinkedHashMap<>();
      sendScheduled = false;
    }
    gathered.forEach((appId, entries) -> {
      EntityRef<AppLogplex.Command> log = log(appId);
      List<AppLogplex.Entry> batch = new ArrayList<>();
      int chars = 0;
      for (AppLogplex.Entry e : entries) {
        if (!batch.isEmpty() && chars + e.message().length() > MAX_BATCH_CHARS) {
          log.tell(new AppLogplex.Append(List.copyOf(batch)));
          batch.clear();
          chars = 0;
        }
        batch.add(e);
        chars += e.message().length();
      }
      log.tell(new AppLogplex.Append(List.copyOf(batch)));
    });
  }

  @Override
  public CompletionStage<List<LogLine>> since(String appId, long afterSeq) {
    return log(appId).<AppLogplex.Lines>ask(replyTo -> new AppLogplex.History(afterSeq, replyTo),
        AppLogplex.ASK_TIMEOUT).thenApply(AppLogplex.Lines::lines);
  }

  /** The app's kept lines as shown, oldest first (waits for them: for tests and tools). */
  public List<String> recent(String appId) {
    try {
      return since(appId, 0).toCompletableFuture().get(AppLogplex.ASK_TIMEOUT.toMillis() + 1000,
          TimeUnit.MILLISECONDS).stream().map(LogLine::formatted).toList();
    } catch (Exception e) {
      throw new IllegalStateException("cannot read the log of app " + appId + ": " + e, e);
    }
  }

  @Override
  public AutoCloseable follow(String appId, long afterSeq, Consumer<LogLine> follower) {
    ActorRef<Object> ref = system.systemActorOf(Follower.create(log(appId), afterSeq, follower),
        "log-follower-" + followers.incrementAndGet(), Props.empty());
    return () -> ref.tell(Follower.Stop.INSTANCE);
  }

  @Override
  public void changed(LiveApp app) {
    log(app.id()).tell(new AppLogplex.DrainsChanged(List.copyOf(app.drains())));
  }

  @Override
  public void gone(String appId, String name) {
    log(appId).tell(AppLogplex.Close.INSTANCE);
  }

  /**
   * One tail: follows the app's log and passes each line on once, in order; when the log it
   * follows stops (its node lost, a rebalance), it follows the log's next incarnation from the last
   * line it passed on (whose numbers are higher, see {@link AppLogplex}).
   */
  private static final class Follower {
    enum Stop { INSTANCE }

    private record LogGone() {}

    private record Again() {}

    static Behavior<Object> create(EntityRef<AppLogplex.Command> log, long afterSeq, Consumer<LogLine> follower) {
      return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
        ActorRef<AppLogplex.Lines> self = ctx.getSelf().narrow();
        long[] last = {afterSeq};
        Object[] following = {null};
        log.tell(new AppLogplex.Follow(afterSeq, self));
        return Behaviors.receive(Object.class)
            .onMessage(AppLogplex.Lines.class, lines -> {
              if (!lines.from().equals(following[0])) {
                ctx.watchWith(lines.from(), new LogGone());
                following[0] = lines.from();
              }
              for (LogLine line : lines.lines()) {
                if (line.seq() > last[0]) {
                  last[0] = line.seq();
                  follower.accept(line);
                }
              }
              return Behaviors.same();
            })
            .onMessage(LogGone.class, gone -> {
              following[0] = null;
              timers.startSingleTimer(new Again(), java.time.Duration.ofMillis(500));
              return Behaviors.same();
            })
            .onMessage(Again.class, again -> {
              log.tell(new AppLogplex.Follow(last[0], self));
              return Behaviors.same();
            })
            .onMessage(Stop.class, stop -> Behaviors.stopped())
            .onSignal(PostStop.class, s -> {
              log.tell(new AppLogplex.Unfollow(self));
              return Behaviors.same();
            })
            .build();
      }));
    }
  }
}
