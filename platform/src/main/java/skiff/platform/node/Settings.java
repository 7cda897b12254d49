package skiff.platform.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigResolveOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The node's settings: conf/skiff.conf's defaults, each overridden by its SKIFF_* environment
 * variable. Everything is checked here, so a bad value stops the start with one line naming the
 * variable, the value and what would be accepted.
 */
public record Settings(
    Path home,
    int apiPort,
    int apiTlsPort,
    int routerPort,
    int routerTlsPort,
    int rendezvousPort,
    String bind,
    String domain,
    Optional<String> adminToken,
    Optional<String> secretKey,
    String adminEmail,
    Optional<String> databaseUrl,
    int clusterPort,
    List<String> seedNodes,
    int dynoPortFrom,
    int dynoPortTo,
    long dynoMemoryBytes,
    Duration crashCooldown,
    Duration sigtermGrace,
    Duration bootTimeout,
    Duration cycleInterval,
    Duration idleAfter,
    Duration routerTimeout,
    Duration routerIdle,
    Duration askTimeout,
    long slugWarnBytes,
    long slugMaxBytes,
    Duration buildTimeout,
    boolean routerRandom,
    int routerThreads,
    Path stackCache,
    boolean dynoOutbound,
    Optional<String> nodeName,
    String advertiseHost,
    skiff.actors.dynos.NodeCapacity nodeCapacity) {

  /** Loads skiff.conf from the classpath and applies the SKIFF_* variables found in {@code env}. */
  public static Settings load(Map<String, String> env) {
    Map<String, Object> overrides = new HashMap<>();
    env.forEach((k, v) -> {
      if (k.startsWith("SKIFF_")) {
        overrides.put(k, v);
      }
    });
    Config config;
    try {
      // the variables sit at the root next to skiff { … }, where the file's ${?SKIFF_…} lines find them
      config = ConfigFactory.parseMap(overrides)
          .withFallback(ConfigFactory.parseResources("skiff.conf"))
          .resolve(ConfigResolveOptions.defaults().setUseSystemEnvironment(false))
          .getConfig("skiff");
    } catch (ConfigException e) {
      throw new SettingsException("conf/skiff.conf cannot be read: " + e.getMessage());
    }
    Reader r = new Reader(config);
    String home = r.text("home");
    String userHome = env.getOrDefault("HOME", System.getProperty("user.home"));
    if (home.equals("~") || home.startsWith("~/")) {
      home = userHome + home.substring(1);
    }
    int[] dynoPorts = r.portRange("dyno-port-range");
    String bind = r.text("bind");
    if (bind.isBlank()) {
      throw new SettingsException("SKIFF_BIND is empty: give the address to listen on, e.g. 127.0.0.1 or 0.0.0.0");
    }
    String email = r.text("admin-email");
    if (!email.contains("@")) {
      throw new SettingsException("SKIFF_ADMIN_EMAIL='" + email + "' is not an email address");
    }
    return new Settings(
        Path.of(home).toAbsolutePath().normalize(),
        r.port("api-port"),
        r.port("api-tls-port"),
        r.port("router-port"),
        r.port("router-tls-port"),
        r.port("rendezvous-port"),
        bind,
        r.text("domain"),
        Optional.of(r.text("admin-token")).filter(s -> !s.isBlank()),
        r.secretKey("secret-key"),
        email,
        Optional.of(r.text("database-url")).filter(s -> !s.isBlank()),
        r.port("cluster-port"),
        Arrays.stream(r.text("seed-nodes").split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList(),
        dynoPorts[0],
        dynoPorts[1],
        r.bytesAtLeast("dyno-memory", MIN_DYNO_MEMORY, "a dyno's processes need at least that to start"),
        r.positiveDuration("crash-cooldown"),
        r.duration("sigterm-grace"),
        r.positiveDuration("boot-timeout"),
        r.positiveDuration("cycle-interval"),
        r.positiveDuration("idle-after"),
        r.positiveDuration("router-timeout"),
        r.positiveDuration("router-idle"),
        r.positiveDuration("ask-timeout"),
        r.bytesAtLeast("slug-warn-size", 1, "it is a size"),
        r.bytesAtLeast("slug-max-size", 1, "it is a size"),
        r.positiveDuration("build-timeout"),
        r.choice("router-balance", "p2c", "random").equals("random"),
        routerThreads(r.text("router-threads")),
        stackCache(r.text("stack-cache"), Path.of(home), userHome),
        r.choice("dyno-outbound", "allow", "deny").equals("allow"),
        nodeName(r.text("node-name")),
        advertiseHost(r.text("advertise-host"), bind),
        nodeCapacity(r.text("node-capacity")));
  }

  /** SKIFF_NODE_CAPACITY: how many dynos (20), how much dyno memory (8GB), or both (20,8GB); empty: no limit. */
  private static skiff.actors.dynos.NodeCapacity nodeCapacity(String value) {
    try {
      return skiff.actors.dynos.NodeCapacity.parse(value);
    } catch (IllegalArgumentException e) {
      throw new SettingsException("SKIFF_NODE_CAPACITY: " + e.getMessage());
    }
  }

  static final long MIN_DYNO_MEMORY = 16L << 20;

  /**
   * SKIFF_ROUTER_THREADS: the router's event loops. {@code auto} is half the cores, at least one:
   * a router shares its machine with the dynos it serves, and on a small one a loop per core only
   * adds threads that take turns on the cores the dynos and the clients need.
   */
  static int routerThreads(String value) {
    if (value.equals("auto")) {
      return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    }
    try {
      int threads = Integer.parseInt(value);
      if (threads >= 1 && threads <= 256) {
        return threads;
      }
    } catch (NumberFormatException e) {
      // fall through to the message below
    }
    throw new SettingsException("SKIFF_ROUTER_THREADS='" + value + "' is not a number of threads: use auto"
        + " (half the cores) or a number from 1 to 256");
  }

  /** SKIFF_NODE_NAME: empty = the host's name and the cluster port, known once the port is bound. */
  private static Optional<String> nodeName(String value) {
    if (value.isEmpty()) {
      return Optional.empty();
    }
    if (!value.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}")) {
      throw new SettingsException("SKIFF_NODE_NAME='" + value + "' is not a node name: up to 63 letters, digits,"
          + " dots, dashes and underscores, starting with a letter or digit (e.g. node-1)");
    }
    return Optional.of(value);
  }

  /**
   * SKIFF_ADVERTISE_HOST: how other nodes and routers reach this node. Empty = SKIFF_BIND, or, when
   * that is every address (0.0.0.0), this machine's first non-loopback IPv4 address: advertising
   * 127.0.0.1 there would send the other nodes to themselves.
   */
  private static String advertiseHost(String value, String bind) {
    if (!value.isEmpty()) {
      if (value.equals("0.0.0.0") || value.equals("::") || !value.matches("[A-Za-z0-9.:\\[\\]-]+")) {
        throw new SettingsException("SKIFF_ADVERTISE_HOST='" + value + "' is not an address other nodes can reach:"
            + " give this machine's host name or IP address (e.g. 10.0.0.5)");
      }
      return value;
    }
    if (!bind.equals("0.0.0.0") && !bind.equals("::")) {
      return bind;
    }
    try {
      for (var nic : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
        if (!nic.isUp() || nic.isLoopback()) {
          continue;
        }
        for (var address : java.util.Collections.list(nic.getInetAddresses())) {
          if (address instanceof java.net.Inet4Address) {
            return address.getHostAddress();
          }
        }
      }
    } catch (java.net.SocketException e) {
      // fall through
    }
    return "127.0.0.1";
  }

  /** SKIFF_STACK_CACHE: where built stacks are kept; empty = SKIFF_HOME/stacks. */
  private static Path stackCache(String value, Path home, String userHome) {
    if (value.isEmpty()) {
      return home.resolve("stacks").toAbsolutePath().normalize();
    }
    if (value.equals("~") || value.startsWith("~/")) {
      value = userHome + value.substring(1);
    }
    return Path.of(value).toAbsolutePath().normalize();
  }

  /** Reads one key and names its environment variable in every complaint. */
  private record Reader(Config config) {
    static String variable(String key) {
      return "SKIFF_" + key.toUpperCase().replace('-', '_');
    }

    String text(String key) {
      try {
        return config.getString(key).trim();
      } catch (ConfigException e) {
        throw new SettingsException(variable(key) + " cannot be read from conf/skiff.conf: " + e.getMessage());
      }
    }

    /** SKIFF_SECRET_KEY: the master key sealing config values, base64 of 32 bytes; empty: SKIFF_HOME/secret.key. */
    Optional<String> secretKey(String key) {
      String value = text(key);
      if (value.isEmpty()) {
        return Optional.empty();
      }
      try {
        skiff.persistence.secrets.Keyring.masterKey(value);
      } catch (IllegalArgumentException e) {
        throw new SettingsException(variable(key) + " is not usable: " + e.getMessage());
      }
      return Optional.of(value);
    }

    int port(String key) {
      String value = text(key);
      try {
        int port = Integer.parseInt(value);
        if (port >= 0 && port <= 65535) {
          return port;
        }
      } catch (NumberFormatException e) {
        // fall through to the message below
      }
      throw new SettingsException(variable(key) + "='" + value + "' is not a port: use a number from 1 to 65535"
          + " (0 picks a free one)");
    }

    String choice(String key, String... allowed) {
      String value = text(key);
      if (java.util.Arrays.asList(allowed).contains(value)) {
        return value;
      }
      throw new SettingsException(variable(key) + "='" + value + "' is not one of " + String.join(", ", allowed));
    }

    long bytes(String key) {
      return Durations.parseBytes(variable(key), text(key));
    }

    Duration duration(String key) {
      return Durations.parse(variable(key), text(key));
    }

    /** A duration that must be more than zero: a zero timeout or cooldown would break what it guards. */
    Duration positiveDuration(String key) {
      Duration value = duration(key);
      if (value.isZero() || value.isNegative()) {
        throw new SettingsException(variable(key) + "='" + text(key) + "' must be longer than zero, e.g. 10m or 30s");
      }
      return value;
    }

    long bytesAtLeast(String key, long minimum, String why) {
      long value = bytes(key);
      if (value < minimum) {
        throw new SettingsException(variable(key) + "='" + text(key) + "' is too small: at least "
            + (minimum >= 1 << 20 ? (minimum >> 20) + "MB" : minimum + " byte") + " (" + why + ")");
      }
      return value;
    }

    int[] portRange(String key) {
      String value = text(key);
      String[] parts = value.split("-");
      try {
        if (parts.length == 2) {
          int from = Integer.parseInt(parts[0].trim());
          int to = Integer.parseInt(parts[1].trim());
          if (from > 0 && from <= to && to <= 65535) {
            return new int[] {from, to};
          }
        }
      } catch (NumberFormatException e) {
        // fall through to the message below
      }
      throw new SettingsException(variable(key) + "='" + value + "' is not a port range: write FROM-TO,"
          + " e.g. 20000-29999");
    }
  }

  /** The API's address as clients on this machine reach it. */
  public String apiBase(int boundPort) {
    return "http://" + hostForClients() + ":" + boundPort;
  }

  public String hostForClients() {
    return bind.equals("0.0.0.0") || bind.equals("::") ? "127.0.0.1" : bind;
  }
}
