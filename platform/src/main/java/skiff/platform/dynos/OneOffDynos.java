package skiff.platform.dynos;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import skiff.actors.Cause;
import skiff.actors.apps.AppEntity.LiveApp;
import skiff.actors.apps.DynoSizes;
import skiff.actors.apps.Slug;
import skiff.actors.dynos.DynoRuntime;
import skiff.actors.dynos.LogSink;
import skiff.actors.dynos.OneOffRunner;

/**
 * One-off dynos on this node. Detached ones start at once with their output in the app's log
 * ({@code app[run.N]}); attached ones wait, behind an unguessable secret, for the client to connect
 * to the rendezvous listener, then run with their standard streams on that connection.
 */
public final class OneOffDynos implements OneOffRunner {
  private static final Logger log = LoggerFactory.getLogger(OneOffDynos.class);
  private static final Duration ATTACH_WITHIN = Duration.ofMinutes(5);

  private record Pending(LiveApp app, String name, String command, Map<String, String> env, boolean tty,
      Instant createdAt) {}

  private final ProcessDynoRuntime runtime;
  private final LogSink logs;
  private final long memoryQuota;
  private final String rendezvousHost;
  private volatile int rendezvousPort;
  private final Map<String, Pending> pending = new ConcurrentHashMap<>();
  private final Map<String, Map<String, Running>> running = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> counters = new ConcurrentHashMap<>();

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
  public Started run(LiveApp app, String command, Map<String, String> env, boolean attach, boolean tty, Cause cause)
      throws Exception {
    if (app.currentSlug() == null) {
      throw new IllegalStateException("nothing deployed");
    }
    String name = "run." + counters.computeIfAbsent(app.id(), id -> new AtomicInteger()).incrementAndGet();
    Map<String, String> vars = new HashMap<>(app.config());
    vars.putAll(env);
    if (!attach) {
      logs.append(app.id(), "heroku", name, "Starting process with command `" + command + "` by user "
          + cause.actor());
      launch(app, name, command, vars, false, false);
      return new Started(name, null);
    }
    String secret = UUID.randomUUID().toString();
    Instant cutoff = Instant.now().minus(ATTACH_WITHIN);
    pending.values().removeIf(p -> p.createdAt().isBefore(cutoff));
    pending.put(secret, new Pending(app, name, command, vars, tty, Instant.now()));
    return new Started(name, "rendezvous://" + rendezvousHost + ":" + rendezvousPort + "/" + secret);
  }

  @Override
  public String node() {
    return runtime.node();
  }

  @Override
  public List<Running> running(String appId) {
    return List.copyOf(running.getOrDefault(appId, Map.of()).values());
  }

  private ProcessDynoRuntime.Attached launch(LiveApp app, String name, String command, Map<String, String> vars,
      boolean attached, boolean tty) throws Exception {
    Slug slug = app.currentSlug();
    Map<String, Running> mine = running.computeIfAbsent(app.id(), id -> new ConcurrentHashMap<>());
    mine.put(name, new Running(name, command, "up", Instant.now(), app.currentVersion()));
    DynoRuntime.Launch launch = new DynoRuntime.Launch(UUID.randomUUID().toString(), app.id(), app.name(), name,
        slug.checksum(), command, vars, false, memoryQuota, DynoSizes.processLimit(DynoSizes.DEFAULT),
        skiff.actors.apps.Stacks.orDefault(slug.stack()));
    DynoRuntime.Listener listener = new DynoRuntime.Listener() {
      @Override
      public void up(String runId) {
        logs.append(app.id(), "heroku", name, "State changed from starting to up");
      }

      @Override
      public void exited(DynoRuntime.Exit exit) {
        mine.remove(name);
        logs.append(app.id(), "heroku", name, "Process exited with status " + exit.status());
        logs.append(app.id(), "heroku", name, "State changed from up to complete");
      }

      @Override
      public void memory(String runId, long bytes) {
        // one-offs are not held to the R14 policy
      }
    };
    try {
      if (attached) {
        return runtime.startAttached(launch, listener, tty);
      }
      runtime.start(launch, listener);
      return null;
    } catch (Exception e) {
      // it never ran: not listed as up, and the log says why (the platform's failure, not the app's)
      mine.remove(name);
      logs.append(app.id(), "heroku", name, "Error starting process: " + e.getMessage());
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
      logs.append(session.app().id(), "heroku", session.name(), "Starting process with command `"
          + session.command() + "` attached to a terminal");
      ProcessDynoRuntime.Attached attached = launch(session.app(), session.name(), session.command(),
          session.env(), true, session.tty());
      Process process = attached.process();
      Thread input = new Thread(() -> pipeInput(in, process), "rendezvous-in-" + session.name());
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
