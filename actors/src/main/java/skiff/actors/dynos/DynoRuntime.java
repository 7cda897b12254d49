package skiff.actors.dynos;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The driver that turns a dyno's intent into an OS process: unpacks the slug, isolates the process,
 * hands it a port, watches it and reports back. It keeps no policy; the {@link DynoEntity} decides.
 */
public interface DynoRuntime {

  /**
   * What to launch. {@code web} dynos get a port and are reported up once it accepts connections;
   * {@code processLimit} is how many processes and threads the dyno may have at once.
   */
  record Launch(String runId, String appId, String appName, String dynoName, String slugChecksum, String command,
      Map<String, String> env, boolean web, long memoryQuotaBytes, int processLimit, String stack) {}

  /** A launched process. */
  record Started(String runId, int port, long pid) {}

  /** How a process ended: exit status (128+N for signal N), its last lines, and why if we know. */
  record Exit(String runId, int status, List<String> lastLines, boolean killedAfterGrace, boolean outOfMemory) {}

  /** What a process tells its dyno while it runs. */
  interface Listener {
    void up(String runId);

    void exited(Exit exit);

    void memory(String runId, long bytes);
  }

  Started start(Launch launch, Listener listener) throws Exception;

  /** SIGTERM to every process of the run, SIGKILL after {@code grace}; the exit arrives through the listener. */
  void stop(String runId, Duration grace);

  /** Describes how dynos are isolated on this node, for `skiff status` and the start-up lines. */
  String isolation();

  /** The name of the node whose processes these are (SKIFF_NODE_NAME), recorded with each start. */
  String node();
}
