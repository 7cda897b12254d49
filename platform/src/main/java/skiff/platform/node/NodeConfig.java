package skiff.platform.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.Map;
import skiff.persistence.JournalDatabase;

/** Builds the Pekko configuration of one node from its settings. */
public final class NodeConfig {
  public static final String SYSTEM_NAME = "skiff";

  private NodeConfig() {}

  public static JournalDatabase journal(Settings settings) {
    return settings.databaseUrl().map(JournalDatabase::fromUrl).orElseGet(() -> JournalDatabase.embedded(settings.home()));
  }

  public static Config pekko(Settings settings, JournalDatabase journal, String masterKey) {
    List<String> seeds = settings.seedNodes().stream().map(NodeConfig::seedAddress).toList();
    // other nodes connect to the advertised address; the socket listens on SKIFF_BIND
    Config node = ConfigFactory.parseMap(Map.of(
        "pekko.remote.artery.canonical.hostname", settings.advertiseHost(),
        "pekko.remote.artery.canonical.port", settings.clusterPort(),
        "pekko.remote.artery.bind.hostname", settings.bind(),
        "pekko.cluster.seed-nodes", seeds,
        "skiff.secrets.master-key", masterKey,
        "skiff.secrets.store", "jdbc"));
    return node
        .withFallback(ConfigFactory.parseResources("skiff-node.conf"))
        .withFallback(journal.pekkoConfig())
        .withFallback(ConfigFactory.defaultReference())
        .resolve();
  }

  /** Accepts {@code host:port} or a full {@code pekko://skiff@host:port} address. */
  static String seedAddress(String seed) {
    if (seed.startsWith("pekko://")) {
      return seed;
    }
    if (!seed.matches("[^:/@]+:\\d{1,5}")) {
      throw new SettingsException("SKIFF_SEED_NODES entry '" + seed + "' is not HOST:PORT (e.g. 10.0.0.5:2551)");
    }
    return "pekko://" + SYSTEM_NAME + "@" + seed;
  }
}
