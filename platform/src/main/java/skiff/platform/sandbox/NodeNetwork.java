package skiff.platform.sandbox;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import skiff.http.router.DynoEndpoint;
import skiff.platform.HostCommand;

/**
 * The network a node's sandboxes live on: a gateway network namespace of the node's own
 * ({@code skiff-NODEKEY}) that every dyno and build is linked to by a veth pair, and that is linked
 * to the host by one more. The router reaches a web dyno over the kernel's own path (host, gateway,
 * dyno: two veth hops, no user-space relay), which is what keeps the router as fast as with a dyno on
 * the host's network. Pasta, for traffic to the world outside, is attached once to the gateway
 * rather than once per dyno, so a dyno start costs two {@code ip} calls instead of a pasta.
 *
 * <p>Everything that keeps dynos apart is in the gateway's own nftables table, inside a namespace
 * only this node uses, so nothing on the host's firewall is touched: the host (the router) may open
 * connections to dynos; a dyno may open connections only out through pasta (and only if the
 * operator allows outbound traffic; builds always may, they fetch dependencies), never to another
 * dyno or build (of this node or, the long way round through the host, of another), the gateway or
 * the host; replies flow back. Pasta runs without {@code --map-gw}, so the host's loopback (the API,
 * the database) is not reachable through it either.
 *
 * <p>Addresses come from 198.18.0.0/15 (reserved for benchmarking, so not a network a machine is
 * likely on): each node takes a free /20 (chosen from its key, the next free one if taken), the
 * host's link takes its first /31 and each sandbox one /31 of the rest, handed out oldest-freed
 * first so a link's name and address are not reused while the kernel may still be tearing down the
 * last namespace that had them.
 */
public final class NodeNetwork implements AutoCloseable {
  private static final int RANGE = (198 << 24) | (18 << 16);
  private static final String RANGE_CIDR = "198.18.0.0/15";
  private static final int SLOTS = 32;
  private static final int LINKS = 2047;

  /**
   * One sandbox's link: its {@code index} in the node's /20, the veth {@code device} in the
   * gateway, the gateway's address on it and the sandbox's.
   */
  public record Link(int index, String namespace, String device, String gateway, String address) {}

  /** What a link is for, which decides what the gateway lets through it (and its device's name). */
  public enum Use {
    DYNO("dyno"), BUILD("build");

    private final String prefix;

    Use(String prefix) {
      this.prefix = prefix;
    }
  }

  private final String namespace;
  private final int subnet;
  private final boolean outbound;
  private final ArrayDeque<Integer> free = new ArrayDeque<>();
  private final Map<Integer, SandboxEndpoint> byPort = new ConcurrentHashMap<>();

  // package-private for the bookkeeping's unit test; open() is the way in
  NodeNetwork(String namespace, int subnet, boolean outbound) {
    this.namespace = namespace;
    this.subnet = subnet;
    this.outbound = outbound;
    for (int i = 1; i <= LINKS; i++) {
      free.add(i);
    }
  }

  /** Which home each node network on this machine belongs to: one file per gateway namespace. */
  private static final Path OWNERS = Path.of("/run/skiff/networks");
  private static final Path OPEN_LOCK = Path.of("/run/skiff/networks.lock");
  private static final Object OPENING = new Object();

  /**
   * Removes what an earlier run of this node left (its gateway, its host link, its pasta), and
   * what nodes whose home is gone or unlocked (stopped, never to start again there) left, then
   * makes this node's network anew. {@code nodeKey} names everything ({@code home-} and 12 hex
   * digits); {@code home} is the node's, whose lock says whether the node lives.
   */
  public static NodeNetwork open(String nodeKey, Path home, boolean outbound) throws IOException {
    Files.createDirectories(OWNERS);
    // nodes starting at the same moment on one machine take turns: each looks for a free /20 and
    // takes it before the next one looks (else two could pick the same one, and the second's
    // route would fail with "File exists"); a lock of this JVM for its own nodes, a file lock
    // between processes
    synchronized (OPENING) {
      try (FileChannel channel = FileChannel.open(OPEN_LOCK, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock turn = channel.lock()) {
        return openInTurn(nodeKey, home, outbound);
      }
    }
  }

  private static NodeNetwork openInTurn(String nodeKey, Path home, boolean outbound) throws IOException {
    String namespace = "skiff-" + nodeKey;
    removeLeftovers(namespace);
    removeAbandoned();
    Files.writeString(OWNERS.resolve(namespace), home.toAbsolutePath().toString());
    BitSet used = usedSlots();
    int first = Integer.parseUnsignedInt(nodeKey.substring(nodeKey.length() - 12).substring(0, 4), 16) % SLOTS;
    for (int i = 0; i < SLOTS; i++) {
      int slot = (first + i) % SLOTS;
      if (used.get(slot)) {
        continue;
      }
      int subnet = RANGE + (slot << 12);
      NodeNetwork network = new NodeNetwork(namespace, subnet, outbound);
      network.create();
      return network;
    }
    throw new IOException("no free /20 left in 198.18.0.0/15 for this node's dyno network (" + SLOTS
        + " nodes' networks, or other networks, are on this machine)");
  }

  /**
   * How the router reaches the web dyno given {@code port}: through its sandbox while it runs;
   * without a node network (dynos unsealed on the host) at the host's loopback.
   */
  public static DynoEndpoint endpoint(Optional<NodeNetwork> network, int port) {
    DynoEndpoint endpoint = network.map(n -> (DynoEndpoint) n.byPort.get(port)).orElse(null);
    return endpoint == null ? DynoEndpoint.loopback(port) : endpoint;
  }

  /** The web dyno on {@code port} is up, its sandbox's init is {@code pid}. */
  public void up(int port, long pid) throws IOException {
    SandboxEndpoint endpoint = byPort.get(port);
    if (endpoint != null) {
      endpoint.found(pid);
    }
  }

  /** A link for one sandbox; {@code port} (0 for none) is the web port the router will ask about. */
  public synchronized Link take(Use use, int port) throws IOException {
    Integer index = free.pollFirst();
    if (index == null) {
      throw new IOException("all " + LINKS + " sandbox links of this node are in use");
    }
    Link link = new Link(index, namespace, use.prefix + index, dotted(subnet + 2 * index),
        dotted(subnet + 2 * index + 1));
    if (port > 0) {
      byPort.put(port, new SandboxEndpoint(link, new InetSocketAddress(inet(subnet + 2 * index + 1), port)));
    }
    return link;
  }

  /** The sandbox has ended; its link goes to the back of the queue. */
  public synchronized void release(Link link, int port) {
    if (port > 0) {
      // only this link's entry: the port may already serve a newer dyno on another link
      byPort.computeIfPresent(port, (p, e) -> e.link().equals(link) ? null : e);
    }
    if (!free.contains(link.index())) {
      free.addLast(link.index());
    }
  }

  /** Whether dynos may open connections to the world (SKIFF_DYNO_OUTBOUND); builds always may. */
  public boolean outbound() {
    return outbound;
  }

  public String describe() {
    return "gateway namespace " + namespace + " on " + dotted(subnet) + "/20 (veth per dyno, nftables: the router"
        + " to dynos only), dynos' outbound traffic " + (outbound ? "allowed" : "denied") + " (builds': allowed)";
  }

  @Override
  public void close() {
    try {
      removeLeftovers(namespace);
      Files.deleteIfExists(OWNERS.resolve(namespace));
    } catch (IOException e) {
      // stopping anyway; the next start removes what is left
    }
  }

  private void create() throws IOException {
    String hostAddress = dotted(subnet);
    String gatewayAddress = dotted(subnet + 1);
    run("cannot make this node's dyno network " + namespace, List.of("/bin/sh", "-c", CREATE, "create", namespace,
        hostDevice(namespace), hostAddress, gatewayAddress, dotted(subnet) + "/20", nftables(outbound)));
    run("pasta could not give this node's sandboxes their way out", List.of("pasta", "--runas", "0", "--config-net",
        "--quiet", "-I", "ext", "-t", "none", "-u", "none", "-T", "none", "-U", "none", "--no-map-gw",
        "--netns", "/run/netns/" + namespace, "--netns-only"));
  }

  /**
   * $1 namespace, $2 host device, $3 host address, $4 gateway address, $5 the node's /20, $6 the
   * nftables rules. {@code ip netns exec} is used only here, once per node start.
   */
  private static final String CREATE = """
      set -e
      ip netns add "$1"
      ip -n "$1" link set lo up
      ip netns exec "$1" sysctl -qw net.ipv4.ip_forward=1
      ip link add "$2" mtu 65520 type veth peer name node mtu 65520 netns "$1"
      ip addr add "$3/31" dev "$2"
      ip link set "$2" up
      ip -n "$1" addr add "$4/31" dev node
      ip -n "$1" link set node up
      ip route add "$5" via "$4" dev "$2" src "$3"
      printf '%s\\n' "$6" | ip netns exec "$1" nft -f -
      """;

  /**
   * The gateway's firewall (see the class comment). Refusals are answered at once, TCP with a reset
   * (ICMP errors are rate-limited by the kernel, and a probe would wait out its timeout instead);
   * packets conntrack finds invalid are dropped silently: pasta sends the odd one on a live
   * connection, and a reset in answer would kill that connection.
   */
  static String nftables(boolean dynosOutbound) {
    return """
      table inet skiff {
        chain refuse {
          meta l4proto tcp reject with tcp reset
          reject with icmpx type admin-prohibited
        }
        chain forward {
          type filter hook forward priority 0; policy drop;
          ct state established,related accept
          ct state invalid drop
          iifname "node" oifname "dyno*" accept
          # no way round through the host to any node's sandboxes on this machine
          oifname "ext" ip daddr %s jump refuse
          iifname "build*" oifname "ext" accept
      %s    jump refuse
        }
        chain input {
          type filter hook input priority 0; policy drop;
          ct state established,related accept
          ct state invalid drop
          iifname "lo" accept
          jump refuse
        }
        chain postrouting {
          type nat hook postrouting priority 100;
          oifname "ext" masquerade
        }
      }
      """.formatted(RANGE_CIDR, dynosOutbound ? "    iifname \"dyno*\" oifname \"ext\" accept\n" : "");
  }

  /**
   * One node's network: the pasta attached to its gateway (found by what it was attached to, so
   * also when its node's home is gone), its host link, its gateway.
   */
  private static void removeLeftovers(String namespace) throws IOException {
    String attachedTo = "/run/netns/" + namespace;
    ProcessHandle.allProcesses().filter(p -> p.info().command().orElse("").endsWith("/pasta")
            && p.info().arguments().map(a -> List.of(a).contains(attachedTo)).orElse(false))
        .forEach(ProcessHandle::destroy);
    String hostDevice = hostDevice(namespace);
    if (Files.exists(Path.of("/sys/class/net", hostDevice))) {
      run("cannot remove " + hostDevice, List.of("ip", "link", "del", hostDevice));
    }
    if (Files.exists(Path.of("/run/netns", namespace))) {
      run("cannot remove the network namespace " + namespace, List.of("ip", "netns", "del", namespace));
    }
  }

  /**
   * Networks of nodes that are gone: their home no longer exists, or no process holds its lock
   * (a node killed and never started there again). A live node's network is never touched: its
   * home's lock is held, by another process or by this JVM (tests run several nodes in one).
   */
  private static void removeAbandoned() throws IOException {
    if (!Files.isDirectory(OWNERS)) {
      return;
    }
    try (var owners = Files.list(OWNERS)) {
      for (Path owner : owners.toList()) {
        Path home = Path.of(Files.readString(owner).strip());
        if (!locked(home.resolve("server.lock"))) {
          removeLeftovers(owner.getFileName().toString());
          Files.deleteIfExists(owner);
        }
      }
    }
  }

  /**
   * Whether some process holds a lock on {@code lockFile}, read from {@code /proc/locks} by the
   * file's inode. Never by trying the lock: opening and closing a second channel on a file this
   * JVM has locked drops that lock (POSIX locks belong to the process, and any close releases them).
   */
  static boolean locked(Path lockFile) {
    try {
      if (!Files.exists(lockFile)) {
        return false;
      }
      String inode = ":" + Files.getAttribute(lockFile, "unix:ino");
      for (String line : Files.readAllLines(Path.of("/proc/locks"))) {
        // "1: POSIX  ADVISORY  WRITE 1234 fd:01:5678 0 EOF": the file is MAJOR:MINOR:INODE
        for (String field : line.trim().split("\\s+")) {
          if (field.endsWith(inode) && field.chars().filter(ch -> ch == ':').count() == 2) {
            return true;
          }
        }
      }
      return false;
    } catch (IOException | RuntimeException unreadable) {
      return true; // when in doubt, it is not ours to remove
    }
  }

  /** The /20s of our range that some address or route on this machine already uses. */
  private static BitSet usedSlots() throws IOException {
    BitSet used = new BitSet(SLOTS);
    for (List<String> command : List.of(List.of("ip", "-4", "-o", "addr", "show"),
        List.of("ip", "-4", "route", "show", "table", "all"))) {
      for (String word : output("cannot read this machine's addresses", command).split("[\\s/]+")) {
        if (word.startsWith("198.18.") || word.startsWith("198.19.")) {
          int address = parse(word);
          if (address != 0) {
            used.set((address - RANGE) >>> 12);
          }
        }
      }
    }
    return used;
  }

  private static int parse(String dotted) {
    String[] parts = dotted.split("\\.");
    if (parts.length != 4) {
      return 0;
    }
    int address = 0;
    try {
      for (String part : parts) {
        address = (address << 8) | Integer.parseInt(part);
      }
    } catch (NumberFormatException e) {
      return 0;
    }
    return address;
  }

  /** The host's end of the link to the gateway named {@code namespace} ({@code skiff-home-HEX}). */
  private static String hostDevice(String namespace) {
    return "sk-" + namespace.substring(namespace.length() - 12);
  }

  static String dotted(int address) {
    return (address >>> 24) + "." + ((address >>> 16) & 0xff) + "." + ((address >>> 8) & 0xff) + "." + (address & 0xff);
  }

  private static InetAddress inet(int address) {
    try {
      return InetAddress.getByAddress(new byte[] {(byte) (address >>> 24), (byte) (address >>> 16),
          (byte) (address >>> 8), (byte) address});
    } catch (UnknownHostException e) {
      throw new IllegalStateException("four bytes are an IPv4 address", e);
    }
  }


  private static void run(String what, List<String> command) throws IOException {
    output(what, command);
  }

  private static String output(String what, List<String> command) throws IOException {
    try {
      return HostCommand.output(what, command);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(what + ": interrupted");
    }
  }
}
