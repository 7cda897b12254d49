package skiff.test;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import skiff.platform.sandbox.NetNamespace;

/**
 * Where a test reaches one web dyno directly, as the router would: a sealed dyno listens in its own
 * network namespace, at the address of its link to the node's gateway (read from the kernel's
 * table of the namespace's local addresses); an unsealed one on the host's loopback.
 */
final class DynoAddress {
  private DynoAddress() {}

  static InetSocketAddress of(JsonNode dyno) {
    int port = dyno.path("port").asInt();
    return new InetSocketAddress(linkAddress(dyno.path("pid").asLong()).orElse("127.0.0.1"), port);
  }

  private static Optional<String> linkAddress(long pid) {
    String host = namespace(ProcessHandle.current().pid()).orElse("");
    return ProcessHandle.of(pid).stream().flatMap(p -> java.util.stream.Stream.concat(java.util.stream.Stream.of(p),
            p.descendants()))
        .filter(p -> namespace(p.pid()).map(ns -> !ns.equals(host)).orElse(false))
        .findFirst()
        .flatMap(p -> local(p.pid()));
  }

  private static Optional<String> namespace(long pid) {
    try {
      return Optional.of(NetNamespace.identity(Path.of("/proc", String.valueOf(pid), "ns", "net")));
    } catch (IOException | UnsupportedOperationException e) {
      return Optional.empty();
    }
  }

  /** /proc/PID/net/fib_trie: each address line is followed by its kind; ours is the LOCAL one in 198.18/15. */
  private static Optional<String> local(long pid) {
    try {
      List<String> lines = Files.readAllLines(Path.of("/proc", String.valueOf(pid), "net", "fib_trie"));
      for (int i = 0; i + 1 < lines.size(); i++) {
        String line = lines.get(i).trim();
        if (line.startsWith("|-- 198.1") && lines.get(i + 1).contains("/32 host LOCAL")) {
          return Optional.of(line.substring(4));
        }
      }
    } catch (IOException gone) {
      // the dyno has ended
    }
    return Optional.empty();
  }
}
