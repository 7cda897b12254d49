package skiff.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import skiff.http.router.AppEntry;
import skiff.http.router.Router;
import skiff.http.router.RouterSettings;
import skiff.http.router.RoutingTable;
import skiff.platform.sandbox.NodeNetwork;
import skiff.platform.sandbox.Sandbox;
import skiff.platform.stacks.StackImages;

/**
 * What a dyno's own network costs the router: the same Node.js server from the debian-12 stack,
 * once in the sandbox as a web dyno runs (its own network namespace, linked to a node network's
 * gateway, reached at its link's address) and once in bubblewrap on the host's network, each behind Skiff's router (a Router and a
 * RoutingTable in this JVM) and reached directly, rounds interleaved, wrk -t2.
 */
public final class SandboxNetBench {
  private static final String SERVER =
      "require('http').createServer((q, r) => r.end('ok')).listen(+process.env.PORT, '0.0.0.0');\n";

  public static void main(String[] args) throws Exception {
    int rounds = Integer.getInteger("bench.rounds", 5);
    StackImages images = new StackImages(Path.of(System.getProperty("user.home"), ".cache", "skiff", "stacks"),
        StackImages.shipped(), System.out::println);
    Path stack = images.root(images.defaultName()).join();
    Path work = Files.createTempDirectory("sandbox-net-bench");
    Path script = work.resolve("ok.js");
    Files.writeString(script, SERVER);
    script.toFile().setReadable(true, false);
    work.toFile().setExecutable(true, false);
    int sealedPort = 23411;
    int hostPort = 23412;
    List<Process> servers = new ArrayList<>();
    Path run = Files.createDirectories(work.resolve("run"));
    // a node network of the bench's own (its key is no real node's home), its work directory locked
    // as a node's home is, so no node starting meanwhile takes the network for an abandoned one
    java.nio.channels.FileChannel lockFile = java.nio.channels.FileChannel.open(work.resolve("server.lock"),
        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
    java.nio.channels.FileLock held = lockFile.lock();
    NodeNetwork network = NodeNetwork.open("home-00bec4000000", work, true);
    NodeNetwork.Link link = network.take(NodeNetwork.Use.DYNO, sealedPort);
    String sealedAddress = link.address();
    ProcessBuilder sealed = new ProcessBuilder(Sandbox.command(new Sandbox.Spec(stack, run, "bench", "/tmp",
        Optional.empty(), List.of(new Sandbox.Bind(script, "/tmp/ok.js", false)), Optional.of(link),
        64L << 20, List.of(), List.of("node", "/tmp/ok.js")))).inheritIO();
    sealed.environment().put("PORT", String.valueOf(sealedPort));
    servers.add(sealed.start());
    // the same server on the same stack, on the host's network: no network namespace, no pasta (started
    // by root, as the stack cache under root's home is not nobody's to read)
    ProcessBuilder plain = new ProcessBuilder("bwrap", "--unshare-user", "--unshare-pid", "--uid", "65534", "--gid", "65534", "--ro-bind", stack.toString(),
        "/", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--ro-bind", script.toString(), "/tmp/ok.js",
        "--die-with-parent", "--new-session", "node", "/tmp/ok.js").inheritIO();
    plain.environment().put("PORT", String.valueOf(hostPort));
    servers.add(plain.start());
    RoutingTable table = new RoutingTable("localhost", port -> NodeNetwork.endpoint(Optional.of(network), port));
    table.put(new AppEntry("sealed-id", "sealed", false, true, 1, null, null, List.of()));
    table.put(new AppEntry("host-id", "hostnet", false, true, 1, null, null, List.of()));
    table.changed("sealed-id", "web.1", "up", sealedPort);
    table.changed("host-id", "web.1", "up", hostPort);
    try (Router router = new Router(table, (appId, source, dyno, message) -> { },
        new RouterSettings(Duration.ofSeconds(30), Duration.ofSeconds(55), "localhost", false, app -> { }))) {
      int routerPort = router.listen("127.0.0.1", 0, null);
      Thread.sleep(1500);
      // as the dyno runtime does once the dyno is up: the router connects from inside its namespace
      network.up(sealedPort, Sandbox.init(run).orElseThrow().pid());
      for (int c : new int[] {16, 128}) {
        List<RouterBench.Result> sealedDirect = new ArrayList<>();
        List<RouterBench.Result> hostDirect = new ArrayList<>();
        List<RouterBench.Result> sealedRouted = new ArrayList<>();
        List<RouterBench.Result> hostRouted = new ArrayList<>();
        RouterBench.wrk("http://127.0.0.1:" + routerPort + "/", "sealed.localhost", c); // warm-up
        RouterBench.wrk("http://127.0.0.1:" + routerPort + "/", "hostnet.localhost", c);
        for (int i = 0; i < rounds; i++) {
          hostDirect.add(RouterBench.wrk("http://127.0.0.1:" + hostPort + "/", null, c));
          sealedDirect.add(RouterBench.wrk("http://" + sealedAddress + ":" + sealedPort + "/", null, c));
          hostRouted.add(RouterBench.wrk("http://127.0.0.1:" + routerPort + "/", "hostnet.localhost", c));
          sealedRouted.add(RouterBench.wrk("http://127.0.0.1:" + routerPort + "/", "sealed.localhost", c));
        }
        print("direct, host network", c, hostDirect, null);
        print("direct, own network (veth link)", c, sealedDirect, hostDirect);
        print("router, host network", c, hostRouted, null);
        print("router, own network (inside)", c, sealedRouted, hostRouted);
      }
    } finally {
      for (Process p : servers) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
      }
      network.close();
      held.release();
      lockFile.close();
    }
  }

  private static void print(String label, int connections, List<RouterBench.Result> runs,
      List<RouterBench.Result> against) {
    RouterBench.Result m = RouterBench.median(runs);
    double low = runs.stream().mapToDouble(RouterBench.Result::rps).min().orElse(0);
    double high = runs.stream().mapToDouble(RouterBench.Result::rps).max().orElse(0);
    String ratio = against == null ? "" : String.format("%.2fx", m.rps() / RouterBench.median(against).rps());
    System.out.printf("| %-28s | %4d | %8.0f (%.0f-%.0f) | %8s | %8s | %6s |%n", label, connections, m.rps(), low, high,
        m.p50(), m.p99(), ratio);
  }
}
