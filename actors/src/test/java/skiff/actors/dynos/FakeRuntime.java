package skiff.actors.dynos;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A DynoRuntime double for the entity test: records launches and stops; the test plays the processes. */
final class FakeRuntime implements DynoRuntime {
  private final String node;

  FakeRuntime() {
    this("test-node");
  }

  FakeRuntime(String node) {
    this.node = node;
  }

  final List<Launch> launches = new CopyOnWriteArrayList<>();
  final List<String> stops = new CopyOnWriteArrayList<>();
  final Map<String, Listener> listeners = new ConcurrentHashMap<>();
  private final AtomicInteger ports = new AtomicInteger(20000);
  /** How many of the next starts the platform fails, as it would with no free port. */
  final AtomicInteger failingStarts = new AtomicInteger();

  @Override
  public Started start(Launch launch, Listener listener) {
    if (failingStarts.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      throw new IllegalStateException("no free port left in SKIFF_DYNO_PORT_RANGE 20000-20001");
    }
    launches.add(launch);
    listeners.put(launch.runId(), listener);
    return new Started(launch.runId(), ports.incrementAndGet(), 4242);
  }

  @Override
  public String node() {
    return node;
  }

  @Override
  public void stop(String runId, Duration grace) {
    stops.add(runId);
  }

  @Override
  public String isolation() {
    return "fake";
  }

  /** Forgets what earlier tests did (the processes they left are still the agent's: it never hears of their end). */
  void reset() {
    launches.clear();
    stops.clear();
    failingStarts.set(0);
  }

  String lastRun() {
    return launches.get(launches.size() - 1).runId();
  }

  void up(String runId) {
    listeners.get(runId).up(runId);
  }

  void exit(String runId, int status, boolean killedAfterGrace, boolean oom) {
    listeners.get(runId).exited(new Exit(runId, status, List.of("last words"), killedAfterGrace, oom));
  }
}
