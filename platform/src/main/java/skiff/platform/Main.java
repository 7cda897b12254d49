package skiff.platform;

import skiff.platform.cli.SkiffCli;
import skiff.platform.node.Settings;
import skiff.platform.node.SettingsException;
import skiff.platform.node.SkiffNode;

/**
 * {@code skiff server} starts a node; every other command is the CLI, a plain HTTP client of the
 * API that never starts an actor system.
 */
public final class Main {
  private static final String COMMON_POOL_SIZE = "java.util.concurrent.ForkJoinPool.common.parallelism";

  private Main() {}

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("server")) {
      // Pekko's Java futures run plain callbacks on the common pool, which on one or two cores is a
      // new thread per callback; a pool of at least two threads avoids that (must precede its first use)
      if (System.getProperty(COMMON_POOL_SIZE) == null) {
        System.setProperty(COMMON_POOL_SIZE, String.valueOf(Math.max(2, Runtime.getRuntime().availableProcessors())));
      }
      // initialise logging on this thread before Pekko's threads race to do it (SLF4J then warns)
      org.slf4j.LoggerFactory.getILoggerFactory();
      System.exit(server());
    }
    System.exit(new SkiffCli(System.getenv(), System.out, System.err).run(args));
  }

  private static int server() {
    try {
      Settings settings = Settings.load(System.getenv());
      SkiffNode node = SkiffNode.start(settings, System.out);
      node.awaitTermination();
      return 0;
    } catch (SettingsException e) {
      System.err.println("skiff: " + e.getMessage());
      return 2;
    }
  }
}
