package skiff.platform.dynos;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import skiff.actors.apps.DynoSizes;
import skiff.actors.dynos.DynoRuntime;
import skiff.actors.dynos.LogSink;
import skiff.actors.dynos.OneOffLauncher;
import skiff.actors.dynos.OneOffSpec;

/**
 * One-off dynos on this node, as its agent asks for them (the app's one-off entity decides and
 * numbers them, see {@code OneOffs}). Detached ones start at once with their output in the app's
 * log ({@code app[run.N]}); attached ones wait, behind an unguessable secret, for the client to
 * connect to this node's rendezvous listener (the attach URL names this node), then run with
 * their standard streams on that connection. One never connected to within 5 minutes ends.
 */
public final class OneOffDynos implements OneOffLauncher {
  private static final Logger log = LoggerFactory.getLogger(OneOffDynos.class);
  private static final Duration ATTACH_WITHIN = Duration.ofMinutes(5);

  private record Pending(String runId, OneOffSpec spec, Outcome outcome, Instant createdAt) {}

  private final ProcessDynoRuntime runtime;
  private final LogSink logs;
  private final long memoryQuota;
  private final String rendezvousHost;
  private volatile int rendezvousPort;
  private final Map<String, Pending> pending = new ConcurrentHashMap<>();
  /** Runs whose process is running here. */
  private final Set<String> running = ConcurrentHashMap.newKeySet();

  public OneOffDynos(ProcessDynoRuntime runtime, LogSink logs, long memoryQuota, String rendezvousHost) {
    this.runtime = runtime;
    this.logs = logs;
    this.memoryQuota = memoryQuota;
    this.rendezvousHost = rendezvousHost;
  }

  public void rendezvousPort(int port) {
    this.rendezvousPort = port;
  }

  @Override
  public String launch(String runId, OneOffSpec spec, Outcome outcome) throws Exception {
    expire();
    if (!spec.attach()) {
      logs.append(spec.appId(), "heroku", spec.name(), "Starting process with command `" + spec.command()
          + "` by user " + spec.by());
      start(runId, spec, outcome, false);
      return null;
    }
    String secret = UUID.randomUUID().toString();
    pending.put(secret, new Pending(runId, spec, outcome, Instant.now()));
    return "rendezvous://" + rendezvousHost + ":" + rendezvousPort + "/" + secret;
  }

  @Override
  public boolean running(String runId) {
    return running.contains(runId) || pending.values().stream().anyMatch(p -> p.runId().equals(runId));
  }

  @Override
  public void stopAll() {
    pending.values().forEach(p -> p.outcome().ended(-1, null));
    pending.clear();
    Set.copyOf(running).forEach(runId -> runtime.stop(runId, Duration.ZERO));
  }

  /** Attached runs nobody connected to in time are over. */
  private void expire() {
    Instant cutoff = Instant.now().minus(ATTACH_WITHIN);
    pending.entrySet().removeIf(e -> {
      if (e.getValue().createdAt().isBefore(cutoff)) {
        e.getValue().outcome().ended(-1, null);
        return true;
      }
      return false;
    });
  }

  private ProcessDynoRuntime.Attached start(String runId, OneOffSpec spec, Outcome outcome, boolean attached)
      throws Exception {
    String name = spec.name();
    running.add(runId);
    DynoRuntime.Launch launch = new DynoRuntime.Launch(runId, spec.appId(), spec.appName(), name,
        spec.slugChecksum(), spec.command(), spec.env(), false, memoryQuota,
        DynoSizes.processLimit(DynoSizes.DEFAULT), skiff.actors.apps.Stacks.orDefault(spec.stack()));
    DynoRuntime.Listener listener = new DynoRuntime.Listener() {
      @Override
      public void up(String id) {
        logs.append(spec.appId(), "heroku", name, "State changed from starting to up");
        outcome.up();
      }

      @Override
      public void exited(DynoRuntime.Exit exit) {
        running.remove(runId);
        logs.append(spec.appId(), "heroku", name, "Process exited with status " + exit.status());
        logs.append(spec.appId(), "heroku", name, "State changed from up to complete");
        outcome.ended(exit.status(), exit.lastLines().isEmpty() ? null
            : exit.lastLines().get(exit.lastLines().size() - 1));
      }

      @Override
      public void memory(String id, long bytes) {
        // one-offs are not held to the R14 policy
      }
    };
    try {
      if (attached) {
        return runtime.startAttached(launch, listener, spec.tty());
      }
      runtime.start(launch, listener);
      return null;
    } catch (Exception e) {
      // it never ran: the log says why (the platform's failure, not the app's)
      running.remove(runId);
      logs.append(spec.appId(), "heroku", name, "Error starting process: " + e.getMessage());
      throw e;
    }
  }

  /**
   * One rendezvous connection: the secret line, the ack as a chunk of its own, then raw bytes
   * both ways until the process ends (the socket is closed) or the client goes (the process is killed).
   */
  void attach(Socket socket) {
    try (socket) {
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      String secret = readLine(in);
      Pending session = secret == null ? null : pending.remove(secret.trim());
      if (session == null) {
        return; // a wrong or used secret: closed, nothing run
      }
      out.write("rendezvous\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      Thread.sleep(50); // the client discards its whole first chunk: keep the ack alone in it
      OneOffSpec spec = session.spec();
      logs.append(spec.appId(), "heroku", spec.name(), "Starting process with command `" + spec.command()
          + "` attached to a terminal");
      ProcessDynoRuntime.Attached attached;
      try {
        attached = start(session.runId(), spec, session.outcome(), true);
      } catch (Exception e) {
        session.outcome().ended(-1, null);
        throw e;
      }
      Process process = attached.process();
      Thread input = new Thread(() -> pipeInput(in, process), "rendezvous-in-" + spec.name());
      input.setDaemon(true);
      input.start();
      process.getInputStream().transferTo(out);
      out.flush();
      process.waitFor();
    } catch (Exception e) {
      log.debug("rendezvous connection ended: {}", e.toString());
    }
  }

  /** The client's keystrokes to the process; EOT (what a non-terminal client sends at EOF) closes stdin. */
  private static void pipeInput(InputStream in, Process process) {
    try (OutputStream stdin = process.getOutputStream()) {
      byte[] buffer = new byte[8192];
      for (int n; (n = in.read(buffer)) > 0; ) {
        int eot = indexOf(buffer, n, (byte) 4);
        stdin.write(buffer, 0, eot < 0 ? n : eot);
        stdin.flush();
        if (eot >= 0) {
          return;
        }
      }
      // the client went away: a one-off ends with its connection
      process.descendants().forEach(ProcessHandle::destroy);
      process.destroy();
    } catch (IOException ignored) {
      process.descendants().forEach(ProcessHandle::destroy);
    }
  }

  private static int indexOf(byte[] buffer, int length, byte b) {
    for (int i = 0; i < length; i++) {
      if (buffer[i] == b) {
        return i;
      }
    }
    return -1;
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int c; (c = in.read()) >= 0; ) {
      if (c == '\n') {
        return line.toString().replace("\r", "");
      }
      line.append((char) c);
      if (line.length() > 200) {
        return null;
      }
    }
    return null;
  }
}
