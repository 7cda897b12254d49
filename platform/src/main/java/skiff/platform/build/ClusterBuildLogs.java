package skiff.platform.build;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import skiff.actors.builds.BuildLogs;
import skiff.actors.builds.BuildOutput;

/**
 * Build output in a cluster: each node keeps the builds it runs in files ({@link FileBuildLogs},
 * which stores a finished build's output for every node) and also sends every line to the build's
 * {@link BuildOutput} actor, so a follower of a running build's stream URL on any other node gets
 * its lines live.
 */
public final class ClusterBuildLogs implements BuildLogs {
  private static final Logger log = LoggerFactory.getLogger(ClusterBuildLogs.class);
  private static final Duration ASK = Duration.ofSeconds(3);

  private final FileBuildLogs files;
  private final ActorSystem<?> system;
  private final ClusterSharding sharding;
  private final AtomicLong followers = new AtomicLong();
  /** Builds of other nodes whose live stream a follower here saw end. */
  private final Set<String> endedElsewhere = ConcurrentHashMap.newKeySet();

  public ClusterBuildLogs(FileBuildLogs files, ActorSystem<?> system) {
    this.files = files;
    this.system = system;
    this.sharding = ClusterSharding.get(system);
    // only a cluster's nodes host the live output of builds; a node alone streams from its files
    BuildOutput.init(system);
  }

  private EntityRef<BuildOutput.Command> output(String buildId) {
    return sharding.entityRefFor(BuildOutput.TYPE_KEY, buildId);
  }

  @Override
  public void reserve(String buildId) throws IOException {
    files.reserve(buildId);
    try {
      output(buildId).ask(BuildOutput.Begin::new, ASK).toCompletableFuture().get(ASK.toMillis() + 500,
          TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      // the build goes on; only followers through other nodes wait for its end to see its output
      log.warn("build {}: its live output is not shared with the other nodes: {}", buildId, e.toString());
    }
  }

  @Override
  public Writer open(String buildId) throws IOException {
    Writer local = files.open(buildId);
    EntityRef<BuildOutput.Command> output = output(buildId);
    return new Writer() {
      @Override
      public void accept(String line) {
        local.accept(line);
        output.tell(new BuildOutput.Append(List.of(line)));
      }

      @Override
      public void close() {
        local.close(); // stores the whole output first: a follower told of the end finds it
        output.tell(BuildOutput.End.INSTANCE);
      }
    };
  }

  @Override
  public Optional<InputStream> read(String buildId) throws IOException {
    Optional<InputStream> here = files.read(buildId); // this node's build, or one finished anywhere
    if (here.isPresent()) {
      return here;
    }
    Followed followed = new Followed(buildId);
    ActorRef<Object> follower = system.systemActorOf(followed.behavior(output(buildId)),
        "build-follower-" + followers.incrementAndGet(), Props.empty());
    followed.follower = follower;
    if (!followed.known()) {
      followed.close();
      return files.read(buildId); // it may have ended (and been stored) just now
    }
    return Optional.of(followed);
  }

  @Override
  public boolean complete(String buildId) {
    return endedElsewhere.contains(buildId) || files.complete(buildId);
  }

  /** A running build's output as another node writes it: its lines so far, each new one, then the end. */
  private final class Followed extends InputStream {
    private static final byte[] END = new byte[0];
    private final String buildId;
    private final BlockingQueue<byte[]> queue = new LinkedBlockingQueue<>();
    private final java.util.concurrent.CompletableFuture<Boolean> known = new java.util.concurrent.CompletableFuture<>();
    private volatile ActorRef<Object> follower;
    private byte[] current;
    private int position;
    private boolean ended;

    Followed(String buildId) {
      this.buildId = buildId;
    }

    boolean known() {
      try {
        return known.get(ASK.toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        return false;
      }
    }

    Behavior<Object> behavior(EntityRef<BuildOutput.Command> output) {
      return Behaviors.setup(ctx -> {
        ActorRef<BuildOutput.Chunk> self = ctx.getSelf().narrow();
        output.tell(new BuildOutput.Follow(0, self));
        int[] next = {0};
        boolean[] watching = {false};
        return Behaviors.receive(Object.class)
            .onMessage(BuildOutput.Chunk.class, chunk -> {
              known.complete(chunk.known());
              if (!watching[0] && chunk.known() && !chunk.ended()) {
                watching[0] = true;
                ctx.watch(chunk.source()); // its node lost: the stream ends, the stored output has the rest
              }
              StringBuilder text = new StringBuilder();
              for (int i = 0; i < chunk.lines().size(); i++) {
                if (chunk.first() + i >= next[0]) {
                  text.append(chunk.lines().get(i)).append('\n');
                }
              }
              next[0] = Math.max(next[0], chunk.first() + chunk.lines().size());
              if (text.length() > 0) {
                queue.add(text.toString().getBytes(StandardCharsets.UTF_8));
              }
              if (chunk.ended()) {
                finish();
                return Behaviors.stopped();
              }
              return Behaviors.same();
            })
            .onSignal(Terminated.class, t -> {
              finish();
              return Behaviors.stopped();
            })
            .onMessage(Stop.class, s -> {
              output.tell(new BuildOutput.Unfollow(self));
              return Behaviors.stopped();
            })
            .onSignal(PostStop.class, s -> {
              known.complete(false);
              return Behaviors.same();
            })
            .build();
      });
    }

    private void finish() {
      endedElsewhere.add(buildId);
      queue.add(END);
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      while (current == null || position == current.length) {
        if (ended) {
          return -1;
        }
        try {
          current = queue.take();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException("interrupted while following build " + buildId);
        }
        position = 0;
        if (current == END) {
          ended = true;
          current = null;
          return -1;
        }
      }
      int n = Math.min(length, current.length - position);
      System.arraycopy(current, position, buffer, offset, n);
      position += n;
      return n;
    }

    @Override
    public int available() {
      return current == null ? 0 : current.length - position;
    }

    @Override
    public void close() {
      if (follower != null) {
        follower.tell(Stop.INSTANCE);
      }
      endedElsewhere.remove(buildId);
    }
  }

  private enum Stop { INSTANCE }
}
