package skiff.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import skiff.platform.node.Settings;
import skiff.platform.node.SettingsException;

class SettingsTest {

  @Test
  void defaultsMatchTheSpec() {
    Settings s = Settings.load(Map.of("HOME", "/home/u"));
    assertEquals(Path.of("/home/u/.skiff"), s.home());
    assertEquals(5000, s.apiPort());
    assertEquals(5443, s.apiTlsPort());
    assertEquals(8080, s.routerPort());
    assertEquals(8443, s.routerTlsPort());
    assertEquals(5001, s.rendezvousPort());
    assertEquals("127.0.0.1", s.bind());
    assertEquals("localhost", s.domain());
    assertEquals(20000, s.dynoPortFrom());
    assertEquals(29999, s.dynoPortTo());
    assertEquals(512L << 20, s.dynoMemoryBytes());
    assertEquals(Duration.ofMinutes(10), s.crashCooldown());
    assertEquals(Duration.ofSeconds(30), s.sigtermGrace());
    assertEquals(Duration.ofSeconds(60), s.bootTimeout());
    assertEquals(Duration.ofHours(24), s.cycleInterval());
    assertEquals(Duration.ofHours(1), s.idleAfter());
    assertEquals(Duration.ofSeconds(30), s.routerTimeout());
    assertEquals(Duration.ofSeconds(55), s.routerIdle());
    assertTrue(s.adminToken().isEmpty());
    assertTrue(s.seedNodes().isEmpty());
    assertTrue(s.nodeName().isEmpty());
    assertEquals("127.0.0.1", s.advertiseHost(), "advertised as bound");
    assertTrue(s.dynoOutbound());
    assertEquals(Path.of("/home/u/.skiff/stacks"), s.stackCache());
    assertEquals(Math.max(1, Runtime.getRuntime().availableProcessors() / 2), s.routerThreads());
  }

  @Test
  void routerThreadsAreAutoOrACount() {
    assertEquals(3, Settings.load(Map.of("HOME", "/home/u", "SKIFF_ROUTER_THREADS", "3")).routerThreads());
    assertMessage(Map.of("SKIFF_ROUTER_THREADS", "0"), "SKIFF_ROUTER_THREADS='0' is not a number of threads");
    assertMessage(Map.of("SKIFF_ROUTER_THREADS", "many"), "use auto (half the cores) or a number from 1 to 256");
  }

  @Test
  void aNodeBoundToEveryAddressAdvertisesAReachableOneNotLoopback() {
    Settings all = Settings.load(Map.of("HOME", "/home/u", "SKIFF_BIND", "0.0.0.0"));
    assertTrue(!all.advertiseHost().equals("0.0.0.0"), all.advertiseHost());
    Settings given = Settings.load(Map.of("HOME", "/home/u", "SKIFF_BIND", "0.0.0.0", "SKIFF_ADVERTISE_HOST",
        "10.0.0.5", "SKIFF_NODE_NAME", "node-1"));
    assertEquals("10.0.0.5", given.advertiseHost());
    assertEquals("node-1", given.nodeName().orElseThrow());
    assertMessage(Map.of("SKIFF_ADVERTISE_HOST", "0.0.0.0"), "not an address other nodes can reach");
    assertMessage(Map.of("SKIFF_NODE_NAME", "node 1; rm"), "SKIFF_NODE_NAME='node 1; rm' is not a node name");
    assertMessage(Map.of("SKIFF_DYNO_OUTBOUND", "sometimes"), "SKIFF_DYNO_OUTBOUND='sometimes' is not one of allow, deny");
  }

  @Test
  void environmentVariablesOverride() {
    Settings s = Settings.load(Map.of("SKIFF_HOME", "/data", "SKIFF_API_PORT", "6000", "SKIFF_CRASH_COOLDOWN", "20s",
        "SKIFF_DYNO_MEMORY", "1GB", "SKIFF_SEED_NODES", "10.0.0.1:2551, 10.0.0.2:2551", "SKIFF_ROUTER_TIMEOUT", "500ms"));
    assertEquals(Path.of("/data"), s.home());
    assertEquals(6000, s.apiPort());
    assertEquals(Duration.ofSeconds(20), s.crashCooldown());
    assertEquals(1L << 30, s.dynoMemoryBytes());
    assertEquals(2, s.seedNodes().size());
    assertEquals(Duration.ofMillis(500), s.routerTimeout());
  }

  @Test
  void badValuesNameTheVariableAndWhatWouldDo() {
    assertMessage(Map.of("SKIFF_CRASH_COOLDOWN", "10 minutes"), "SKIFF_CRASH_COOLDOWN='10 minutes' is not a duration");
    assertMessage(Map.of("SKIFF_BOOT_TIMEOUT", "1y"), "e.g. 500ms, 20s, 10m or 24h");
    assertMessage(Map.of("SKIFF_API_PORT", "http"), "SKIFF_API_PORT='http' is not a port");
    assertMessage(Map.of("SKIFF_ROUTER_PORT", "70000"), "SKIFF_ROUTER_PORT='70000' is not a port");
    assertMessage(Map.of("SKIFF_DYNO_PORT_RANGE", "30000-20000"), "is not a port range");
    assertMessage(Map.of("SKIFF_DYNO_MEMORY", "lots"), "SKIFF_DYNO_MEMORY='lots' is not a size");
    assertMessage(Map.of("SKIFF_DYNO_MEMORY", "0MB"), "SKIFF_DYNO_MEMORY='0MB' is too small: at least 16MB");
    assertMessage(Map.of("SKIFF_CRASH_COOLDOWN", "0s"), "SKIFF_CRASH_COOLDOWN='0s' must be longer than zero");
    assertMessage(Map.of("SKIFF_BOOT_TIMEOUT", "0ms"), "SKIFF_BOOT_TIMEOUT='0ms' must be longer than zero");
  }

  private static void assertMessage(Map<String, String> env, String fragment) {
    SettingsException e = assertThrows(SettingsException.class, () -> Settings.load(env));
    assertTrue(e.getMessage().contains(fragment), e.getMessage());
  }
}
