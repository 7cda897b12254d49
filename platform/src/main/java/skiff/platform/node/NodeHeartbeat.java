package skiff.platform.node;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes this node's row in the {@link NodeRegistry} every {@link NodeRegistry#HEARTBEAT}, and
 * takes it out when the node leaves on purpose. The node's name is SKIFF_NODE_NAME, else the host's
 * name and the cluster port (bound by now, so port 0 has become a real one).
 */
final class NodeHeartbeat {
  private static final Logger log = LoggerFactory.getLogger(NodeHeartbeat.class);

  private NodeHeartbeat() {}

  /** SKIFF_NODE_NAME, else the host's name and the cluster port (bound by now). */
  static String nodeName(Settings settings, ActorSystem<?> system) {
    int port = system.address().getPort().orElse(settings.clusterPort());
    return settings.nodeName().orElseGet(() -> hostName() + "-" + port);
  }

  static void start(ActorSystem<?> system, NodeRegistry registry, Settings settings, String name,
      String homeKey, String apiUrl, IntSupplier dynos) {
    int port = system.address().getPort().orElse(settings.clusterPort());
    String address = settings.advertiseHost() + ":" + port;
    Instant started = Instant.now();
    Runnable beat = () -> {
      try {
        registry.beat(new NodeRegistry.Row(name, address, apiUrl, homeKey, started, Instant.now(), dynos.getAsInt()));
      } catch (RuntimeException e) {
        log.warn("node {}: {}", name, e.getMessage());
      }
    };
    beat.run();
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "skiff-node-heartbeat");
      t.setDaemon(true);
      return t;
    });
    long every = NodeRegistry.HEARTBEAT.toMillis();
    timer.scheduleAtFixedRate(beat, every, every, TimeUnit.MILLISECONDS);
    CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "node-registry", () -> {
      timer.shutdownNow();
      try {
        registry.leave(name);
      } catch (RuntimeException e) {
        log.warn("node {} could not take its row out of the node registry: {}", name, e.getMessage());
      }
      return java.util.concurrent.CompletableFuture.completedFuture(Done.getInstance());
    });
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "node";
    }
  }
}
