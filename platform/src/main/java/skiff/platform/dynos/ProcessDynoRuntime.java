package skiff.platform.dynos;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import skiff.actors.builds.Scratch;
import skiff.actors.builds.SlugStore;
import skiff.actors.dynos.DynoRuntime;
import skiff.actors.dynos.LogSink;
import skiff.platform.sandbox.NodeNetwork;
import skiff.platform.sandbox.Sandbox;
import skiff.platform.stacks.StackImages;

/**
 * Runs dynos as OS processes on this node. With stacks (root on Linux, the sandbox's tools
 * installed) each dyno runs sealed in the {@link Sandbox} on its stack: the slug as a private
 * {@code /app} overlay, its own namespaces, a link to the node's {@link NodeNetwork}, nobody as
 * its user. A memory cgroup per
 * dyno enforces 3x the quota and a pids cgroup its process limit; the dyno joins both before it
 * can fork and cannot see the cgroup filesystem. Elsewhere (not root) dynos run unisolated from a
 * copy of the slug, and {@link #isolation} says so.
 */
public final class ProcessDynoRuntime implements DynoRuntime, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ProcessDynoRuntime.class);
  private static final int TAIL_LINES = 20;

  private final Path home;
  private final Path dynos;
  private final SlugUnpacker slugs;
  private final LogSink logs;
  private final PortPool ports;
  private final boolean sealed;
  private final Optional<StackImages> stacks;
  private final Optional<NodeNetwork> network;
  private final String node;
  private final Optional<MemoryCgroups> cgroups;
  private final Optional<PidsCgroups> pidLimits;
  private final ScheduledExecutorService watcher = Executors.newScheduledThreadPool(2, r -> {
    Thread t = new Thread(r, "dyno-watch");
    t.setDaemon(true);
    return t;
  });
  private final Map<String, RunningDyno> runs = new ConcurrentHashMap<>();
  /** Set when the node stops: a start still under way then must not leave a process behind. */
  private volatile boolean closed;

  /** One launched process and what we know about it. */
  private static final class RunningDyno {
    final Launch launch;
    final Process process;
    final Path dir;
    final Path cgroup;
    final int port;
    final NodeNetwork.Link link;
    final Listener listener;
    final ArrayDeque<String> tail = new ArrayDeque<>();
    volatile boolean stopping;
    volatile boolean killedAfterGrace;

    RunningDyno(Launch launch, Process process, Path dir, Path cgroup, int port, NodeNetwork.Link link,
        Listener listener) {
      this.launch = launch;
      this.process = process;
      this.dir = dir;
      this.cgroup = cgroup;
      this.port = port;
      this.link = link;
      this.listener = listener;
    }
  }

  /**
   * With {@code stacks} dynos run sealed on them; without, unisolated (a host where Skiff is not
   * root). {@code network} links sealed dynos to the node's gateway (present with {@code stacks}).
   */
  public ProcessDynoRuntime(String node, Path home, SlugStore store, LogSink logs, int portFrom, int portTo,
      Optional<StackImages> stacks, Optional<NodeNetwork> network) throws IOException {
    this.node = node;
    this.home = home.toAbsolutePath();
    this.dynos = Files.createDirectories(this.home.resolve("dynos"));
    this.slugs = new SlugUnpacker(store, this.home.resolve("slugcache"));
    this.logs = logs;
    this.ports = new PortPool(portFrom, portTo);
    this.stacks = stacks;
    this.sealed = stacks.isPresent();
    this.network = network;
    this.cgroups = MemoryCgroups.detect(nodeKey(this.home));
    this.pidLimits = PidsCgroups.detect(nodeKey(this.home));
    reapOrphans();
  }

  /**
   * What this node's host resources are named after: its {@code SKIFF_HOME}, the one thing two
   * nodes on a machine can never share (the home lock sees to that).
   */
  public static String nodeKey(Path home) {
    try {
      byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
          .digest(home.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return "home-" + java.util.HexFormat.of().formatHex(digest, 0, 6);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public String isolation() {
    if (!sealed && cgroups.isEmpty()) {
      return "none: dynos run unisolated (this host allows no namespaces or cgroups; run Skiff as root on Linux)";
    }
    return (sealed ? "sealed (bubblewrap on the app's stack: user, PID, mount, IPC, UTS, cgroup and network"
        + " namespaces, nobody, no capabilities; " + network.map(NodeNetwork::describe).orElse("no network") + ")"
        : "no namespaces (unisolated processes)")
        + "; " + cgroups.map(c -> "memory " + c.describe()).orElse("no memory cgroup (quota only sampled)")
        + "; " + pidLimits.map(PidsCgroups::describe).orElse("no process limit (no pids cgroup)");
  }

  public boolean isolated() {
    return sealed;
  }

  @Override
  public String node() {
    return node;
  }

  /** How many dyno processes (formation and one-off) this node runs now. */
  public int running() {
    return runs.size();
  }

  /**
   * The stack's root, if this machine has it. A dyno never waits for a stack to be built (its
   * entity would be stuck meanwhile): the build starts and the start fails, to be retried.
   */
  private Path stackRoot(String stack) throws IOException {
    StackImages images = stacks.orElseThrow();
    if (images.definition(stack).isEmpty()) {
      throw new IOException("the slug was built on stack '" + stack + "', which this Skiff does not offer"
          + " (it has " + String.join(", ", images.names()) + "); skiff stack:set one of them and deploy again");
    }
    var root = images.root(stack);
    if (!root.isDone()) {
      throw new IOException("stack " + stack + " is being built on this node (first use); the dyno starts once"
          + " it is ready");
    }
    return root.join();
  }

  // ---- start -------------------------------------------------------------------------------

  @Override
  public Started start(Launch launch, Listener listener) throws Exception {
    return start(launch, listener, false, false).started();
  }

  /** An attached one-off: the caller gets the process's streams instead of the logs getting its output. */
  public record Attached(Started started, Process process) {}

  public Attached startAttached(Launch launch, Listener listener, boolean tty) throws Exception {
    return start(launch, listener, true, tty);
  }

  private Attached start(Launch launch, Listener listener, boolean attached, boolean tty) throws Exception {
    if (closed) {
      throw new IOException("the node is stopping");
    }
    Path stackRoot = sealed ? stackRoot(launch.stack()) : null;
    Path slug = slugs.unpacked(launch.slugChecksum());
    Path dir = Files.createDirectories(dynos.resolve(launch.appId()).resolve(launch.dynoName() + "-"
        + launch.runId().substring(0, 8)));
    int port = launch.web() ? ports.take() : 0;
    // a web dyno needs its link for the router, any dyno one for outbound traffic if that is allowed
    NodeNetwork.Link link = null;
    if (sealed && network.isPresent() && (launch.web() || network.get().outbound())) {
      try {
        link = network.get().take(NodeNetwork.Use.DYNO, port);
      } catch (IOException e) {
        ports.release(port);
        throw e;
      }
    }
    Path cgroup = null;
    if (cgroups.isPresent()) {
      cgroup = cgroups.get().create(launch.runId(), 3 * launch.memoryQuotaBytes());
    }
    Path pidsGroup = pidLimits.isPresent() ? pidLimits.get().create(launch.runId(), launch.processLimit()) : null;
    Path app;
    List<String> command;
    if (sealed) {
      for (String sub : List.of("upper", "work", "merged")) {
        Files.createDirectories(dir.resolve(sub));
      }
      // the overlay's writable half belongs to the sandbox's user, who owns the slug's files too
      for (String sub : List.of("upper", "work")) {
        Files.setAttribute(dir.resolve(sub), "unix:uid", Sandbox.UID);
        Files.setAttribute(dir.resolve(sub), "unix:gid", Sandbox.UID);
      }
      app = Path.of("/app");
      List<Path> procs = new ArrayList<>();
      for (Path group : new Path[] {cgroup, pidsGroup}) {
        if (group != null) {
          procs.add(group.resolve("cgroup.procs"));
        }
      }
      command = Sandbox.command(new Sandbox.Spec(stackRoot, dir, hostname(launch), "/app",
          Optional.of(new Sandbox.Overlay(slug, dir.resolve("upper"), dir.resolve("work"), dir.resolve("merged"))),
          List.of(), Optional.ofNullable(link), TMP_BYTES, procs,
          List.of("/bin/bash", "-c", APP_SCRIPT, "dyno", commandFor(launch, tty))));
    } else {
      app = dir.resolve("app");
      copyTree(slug, app);
      command = List.of("/bin/sh", "-c", plainScript(), "dyno", cgroupProcs(cgroup, pidsGroup), app.toString(),
          commandFor(launch, tty));
    }
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
    Map<String, String> env = builder.environment();
    env.clear();
    env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    env.put("LANG", "C.UTF-8");
    env.putAll(launch.env());
    env.put("HOME", app.toString());
    env.put("DYNO", launch.dynoName());
    env.put("STACK", skiff.http.api.Representations.STACK);
    if (launch.web()) {
      env.put("PORT", String.valueOf(port));
    }
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      ports.release(port);
      release(link, port);
      throw e;
    }
    if (!attached) {
      process.getOutputStream().close();
    }
    Files.writeString(dir.resolve("run.pid"), process.pid() + " " + startTime(process.pid()) + "\n");
    RunningDyno run = new RunningDyno(launch, process, dir, cgroup, port, link, listener);
    runs.put(launch.runId(), run);
    if (closed) {
      // the node began stopping while this one started: close() may have missed it
      killAll(run);
    }
    if (!attached) {
      pumpOutput(run);
    }
    if (launch.web()) {
      watchPort(run);
    } else {
      // only web dynos have a port to wait for; the others are up once running, as on Heroku
      watcher.schedule(() -> {
        if (run.process.isAlive() && !run.stopping) {
          listener.up(launch.runId());
        }
      }, 100, TimeUnit.MILLISECONDS);
    }
    if (cgroup != null) {
      watchMemory(run);
    }
    process.onExit().thenRun(() -> exited(run));
    return new Attached(new Started(launch.runId(), port, process.pid()), process);
  }

  /** With a terminal, the command runs under util-linux {@code script} so it gets a pseudo-terminal. */
  private static String commandFor(Launch launch, boolean tty) {
    if (!tty) {
      return launch.command();
    }
    return "exec script -qefc " + shellQuote(launch.command()) + " /dev/null";
  }

  private static String shellQuote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }

  /** Who the app's code runs as in a sealed dyno: {@code nobody}, never root. */
  static final int DYNO_UID = Sandbox.UID;

  /** Each dyno's private /tmp (memory it is charged for, as on Heroku's ephemeral disk). */
  private static final long TMP_BYTES = 512L << 20;

  /** Inside the sandbox: the slug's .profile.d scripts, then the command, as Heroku runs them. */
  private static final String APP_SCRIPT =
      "for f in /app/.profile.d/*.sh; do [ -r \"$f\" ] && . \"$f\"; done; eval \"$1\"";

  /** Unisolated: $1 cgroup.procs, $2 the dyno's copy of the slug, $3 command. */
  private static String plainScript() {
    return """
        for procs in $1; do echo $$ > "$procs"; done
        cd "$2"
        for f in "$2"/.profile.d/*.sh; do [ -r "$f" ] && . "$f"; done
        exec /bin/bash -c "$3"
        """;
  }

  /** The cgroup.procs files the dyno's first process joins, space-separated (cgroup paths have no spaces). */
  private static String cgroupProcs(Path... groups) {
    List<String> files = new ArrayList<>();
    for (Path group : groups) {
      if (group != null) {
        files.add(group.resolve("cgroup.procs").toString());
      }
    }
    return String.join(" ", files);
  }

  private static String hostname(Launch launch) {
    return launch.runId().replace("-", "").substring(0, 12);
  }

  private void pumpOutput(RunningDyno run) {
    Thread pump = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(run.process.getInputStream(),
          StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) {
          synchronized (run.tail) {
            run.tail.addLast(line);
            if (run.tail.size() > TAIL_LINES) {
              run.tail.removeFirst();
            }
          }
          logs.append(run.launch.appId(), "app", run.launch.dynoName(), line);
        }
      } catch (IOException ignored) {
        // the process ended
      }
    }, "dyno-output-" + run.launch.dynoName());
    pump.setDaemon(true);
    pump.start();
  }

  /**
   * A web dyno is up once its port accepts connections: in a sandbox, once the app listens on it
   * where the router can reach it (read from its socket table: cheap enough to look every 10 ms
   * for the first seconds, which is most of a crash-to-up when an app starts fast).
   */
  private void watchPort(RunningDyno run) {
    long quickUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    Runnable[] probe = new Runnable[1];
    probe[0] = () -> {
      if (!run.process.isAlive() || run.stopping) {
        return;
      }
      if (sealed ? Sandbox.listening(run.dir, run.port) : accepts(run.port)) {
        if (run.link != null) {
          try {
            network.get().up(run.port, Sandbox.init(run.dir).orElseThrow().pid());
          } catch (IOException | java.util.NoSuchElementException gone) {
            return; // the sandbox ended just now: its exit is on its way
          }
        }
        run.listener.up(run.launch.runId());
      } else {
        watcher.schedule(probe[0], sealed && System.nanoTime() < quickUntil ? 10 : 50, TimeUnit.MILLISECONDS);
      }
    };
    watcher.schedule(probe[0], sealed ? 10 : 20, TimeUnit.MILLISECONDS);
  }

  private static boolean accepts(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException notYet) {
      return false;
    }
  }

  private void watchMemory(RunningDyno run) {
    Runnable[] sample = new Runnable[1];
    sample[0] = () -> {
      if (!run.process.isAlive()) {
        return;
      }
      run.listener.memory(run.launch.runId(), cgroups.get().usage(run.cgroup));
      watcher.schedule(sample[0], 1, TimeUnit.SECONDS);
    };
    watcher.schedule(sample[0], 1, TimeUnit.SECONDS);
  }

  private void exited(RunningDyno run) {
    runs.remove(run.launch.runId());
    int status = run.process.exitValue();
    boolean oom = run.cgroup != null && cgroups.get().oomKilled(run.cgroup);
    List<String> tail;
    synchronized (run.tail) {
      tail = List.copyOf(run.tail);
    }
    killAll(run); // what the main process left behind goes with it
    if (run.cgroup != null) {
      cgroups.get().remove(run.cgroup);
    }
    pidLimits.ifPresent(p -> p.remove(run.launch.runId()));
    release(run.link, run.port);
    ports.release(run.port);
    Scratch.deleteQuietly(run.dir);
    run.listener.exited(new Exit(run.launch.runId(), status, tail, run.killedAfterGrace, oom));
  }

  private void release(NodeNetwork.Link link, int port) {
    if (link != null) {
      network.get().release(link, port);
    }
  }

  // ---- stop --------------------------------------------------------------------------------

  @Override
  public void stop(String runId, Duration grace) {
    RunningDyno run = runs.get(runId);
    if (run == null) {
      return;
    }
    run.stopping = true;
    if (grace.isZero()) {
      killAll(run);
      return;
    }
    for (ProcessHandle p : appProcesses(run)) {
      p.destroy(); // SIGTERM to every process of the dyno
    }
    // a dyno stopped while it starts may not have its signal handler yet (a PID 1 without one
    // drops SIGTERM), so the signal is repeated each second until the grace is over
    for (long at = 1000; at < grace.toMillis(); at += 1000) {
      watcher.schedule(() -> {
        if (run.process.isAlive()) {
          appProcesses(run).forEach(ProcessHandle::destroy);
        }
      }, at, TimeUnit.MILLISECONDS);
    }
    watcher.schedule(() -> {
      if (run.process.isAlive()) {
        run.killedAfterGrace = true;
        killAll(run);
      }
    }, grace.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * The dyno's own processes: everything below the sandbox's init (not the wrapper, whose end
   * reports the exit), or the shell and its children when unisolated.
   */
  private List<ProcessHandle> appProcesses(RunningDyno run) {
    if (sealed) {
      return Sandbox.init(run.dir).map(init -> init.descendants().toList()).orElse(List.of());
    }
    List<ProcessHandle> all = new ArrayList<>(run.process.descendants().toList());
    all.add(run.process.toHandle());
    return all;
  }

  private void killAll(RunningDyno run) {
    Set<Long> pids = new java.util.HashSet<>();
    run.process.descendants().forEach(p -> pids.add(p.pid()));
    if (run.cgroup != null) {
      pids.addAll(cgroups.get().pids(run.cgroup));
    }
    pids.add(run.process.pid());
    pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
  }

  /** Stops every dyno this node runs, SIGTERM first; used when the node shuts down. */
  @Override
  public void close() {
    closed = true;
    List<RunningDyno> all = new ArrayList<>(runs.values());
    all.forEach(r -> stop(r.launch.runId(), Duration.ofSeconds(3)));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
    for (RunningDyno r : all) {
      try {
        r.process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      killAll(r);
    }
    cgroups.ifPresent(MemoryCgroups::removeParent);
    pidLimits.ifPresent(PidsCgroups::removeParent);
    watcher.shutdownNow();
  }

  // ---- leftovers of a platform that died -----------------------------------------------------

  /**
   * A platform killed with -9 leaves its dynos running. They are found by the pid files and cgroups
   * they left and stopped before any entity starts, so none runs unnoticed and none is doubled.
   */
  private void reapOrphans() {
    int reaped = 0;
    try (var apps = Files.list(dynos)) {
      for (Path appDir : apps.toList()) {
        try (var runDirs = Files.list(appDir)) {
          for (Path runDir : runDirs.toList()) {
            Path pidFile = runDir.resolve("run.pid");
            if (Files.exists(pidFile)) {
              String[] parts = Files.readString(pidFile).trim().split(" ");
              long pid = Long.parseLong(parts[0]);
              String started = parts.length > 1 ? parts[1] : "";
              if (ProcessHandle.of(pid).isPresent() && startTime(pid).equals(started)) {
                ProcessHandle root = ProcessHandle.of(pid).get();
                root.descendants().forEach(ProcessHandle::destroyForcibly);
                root.destroyForcibly();
                reaped++;
                log.warn("stopped dyno process {} (pid {}) left running by the previous platform run",
                    runDir.getFileName(), pid);
              }
            }
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      log.warn("could not look for dynos left by a previous run: {}", e.toString());
    }
    cgroups.ifPresent(c -> c.leftovers().forEach(group -> {
      c.pids(group).forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
      for (int i = 0; i < 50 && !c.pids(group).isEmpty(); i++) {
        sleep(20);
      }
      c.remove(group);
    }));
    pidLimits.ifPresent(p -> p.leftovers().forEach(p::remove));
    Scratch.deleteQuietly(dynos);
    try {
      Files.createDirectories(dynos);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    if (reaped > 0) {
      log.warn("stopped {} dyno process(es) left by the previous platform run", reaped);
    }
  }

  /** The process's start time from /proc, so a recycled pid is not mistaken for an old dyno. */
  static String startTime(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return fields[19];
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  private static void copyTree(Path from, Path to) throws IOException, InterruptedException {
    Files.createDirectories(to);
    skiff.platform.HostCommand.run("copying the slug", List.of("cp", "-a", from + "/.", to.toString()));
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Ports for web dynos from SKIFF_DYNO_PORT_RANGE, skipping any something else holds. */
  static final class PortPool {
    private final int from;
    private final int to;
    private final Set<Integer> taken = ConcurrentHashMap.newKeySet();
    private int next;

    PortPool(int from, int to) {
      this.from = from;
      this.to = to;
      this.next = from;
    }

    synchronized int take() throws IOException {
      for (int i = 0; i <= to - from; i++) {
        int port = next;
        next = next >= to ? from : next + 1;
        if (!taken.contains(port) && free(port)) {
          taken.add(port);
          return port;
        }
      }
      throw new IOException("no free port left in SKIFF_DYNO_PORT_RANGE " + from + "-" + to);
    }

    void release(int port) {
      taken.remove(port);
    }

    private static boolean free(int port) {
      try (ServerSocket socket = new ServerSocket()) {
        socket.setReuseAddress(false);
        socket.bind(new InetSocketAddress("0.0.0.0", port));
        return true;
      } catch (IOException e) {
        return false;
      }
    }
  }
}
