package skiff.platform.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The command line alone; the sandbox itself is tried from inside in DynoTest and BuildContainmentTest. */
class SandboxTest {

  @Test
  void theSandboxSeesOnlyStagedPathsAndRunsTheCommandLast() {
    List<String> command = Sandbox.command(new Sandbox.Spec(Path.of("/cache/debian-12-ab"), Path.of("/home/run"),
        "web1", "/app", Optional.empty(), List.of(new Sandbox.Bind(Path.of("/home/secret build"), "/tmp/build", true)),
        Optional.of(new NodeNetwork.Link(7, "skiff-home-0123456789ab", "dyno7", "198.18.0.14", "198.18.0.15")), 1024,
        List.of(), List.of("/bin/bash", "-c", "echo hi")));
    assertEquals(List.of("/bin/bash", "-c", "echo hi"), command.subList(command.size() - 3, command.size()));
    int bwrap = command.indexOf("--unshare-all");
    assertTrue(bwrap > 0, command.toString());
    List<String> inside = command.subList(bwrap, command.size());
    // host paths reach bubblewrap only as staged copies under /mnt, never directly
    assertFalse(inside.stream().anyMatch(a -> a.startsWith("/home") || a.startsWith("/cache")), inside.toString());
    assertTrue(Collections.indexOfSubList(inside, List.of("--ro-bind", "/mnt/0", "/")) >= 0, inside.toString());
    assertTrue(Collections.indexOfSubList(inside, List.of("--uid", "65534", "--gid", "65534")) >= 0);
    assertTrue(inside.contains("--new-session") && inside.contains("--die-with-parent"));
    String stages = command.get(command.indexOf("--unshare-all") - 1);
    assertTrue(stages.startsWith("/cache/debian-12-ab\n") && stages.endsWith("/home/secret build"), stages);
    assertEquals("skiff-home-0123456789ab dyno7 198.18.0.14 198.18.0.15",
        command.get(command.indexOf("--unshare-all") - 3));
  }

  @Test
  void onlyAnAddressTheRouterCanReachCountsAsListening() {
    assertTrue(Sandbox.loopback("0100007F"));
    assertTrue(Sandbox.loopback("0200007F"));
    assertTrue(Sandbox.loopback("00000000000000000000000001000000"));
    assertTrue(Sandbox.loopback("0000000000000000FFFF00000100007F"));
    assertFalse(Sandbox.loopback("00000000"));
    assertFalse(Sandbox.loopback("0F0012C6"));
    assertFalse(Sandbox.loopback("00000000000000000000000000000000"));
  }

  @Test
  void dynosReachTheWorldOnlyWhenTheOperatorAllowsItAndBuildsAlways() {
    String allowed = NodeNetwork.nftables(true);
    String denied = NodeNetwork.nftables(false);
    assertTrue(allowed.contains("iifname \"dyno*\" oifname \"ext\" accept"), allowed);
    assertFalse(denied.contains("iifname \"dyno*\" oifname \"ext\""), denied);
    for (String rules : List.of(allowed, denied)) {
      assertTrue(rules.contains("iifname \"build*\" oifname \"ext\" accept"), rules);
      assertTrue(rules.contains("policy drop"), rules);
      // an invalid packet on a live connection is dropped before anything could answer it with a reset
      assertTrue(rules.indexOf("ct state invalid drop") < rules.indexOf("jump refuse"), rules);
      // nothing a sandbox starts may reach the host's side of the gateway
      assertFalse(rules.contains("oifname \"node\""), rules);
      // nor any node's sandboxes the long way round, out through pasta and back in from the host
      int closed = rules.indexOf("oifname \"ext\" ip daddr 198.18.0.0/15 jump refuse");
      assertTrue(closed > 0 && closed < rules.indexOf("iifname \"build*\" oifname \"ext\" accept"), rules);
    }
  }
}
