package skiff.platform.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The links' bookkeeping alone (nothing made on the host); the links themselves are tried in DynoTest. */
class NodeNetworkTest {
  private final NodeNetwork network = new NodeNetwork("skiff-home-0123456789ab",
      (198 << 24) | (18 << 16) | (16 << 8), true);

  @Test
  void eachSandboxGetsItsOwnSlash31NamedForWhatItIsFor() throws Exception {
    NodeNetwork.Link dyno = network.take(NodeNetwork.Use.DYNO, 20001);
    NodeNetwork.Link build = network.take(NodeNetwork.Use.BUILD, 0);
    assertEquals(new NodeNetwork.Link(1, "skiff-home-0123456789ab", "dyno1", "198.18.16.2", "198.18.16.3"), dyno);
    assertEquals(new NodeNetwork.Link(2, "skiff-home-0123456789ab", "build2", "198.18.16.4", "198.18.16.5"), build);
    assertEquals("198.18.16.3", NodeNetwork.endpoint(Optional.of(network), 20001).address().getAddress()
        .getHostAddress());
    // a port no sandbox serves, and no node network at all: the host's loopback
    assertEquals("127.0.0.1", NodeNetwork.endpoint(Optional.of(network), 20002).address().getAddress()
        .getHostAddress());
    assertEquals("127.0.0.1", NodeNetwork.endpoint(Optional.empty(), 20001).address().getAddress().getHostAddress());
  }

  @Test
  void aFreedLinkIsTheLastToBeHandedOutAgain() throws Exception {
    NodeNetwork.Link first = network.take(NodeNetwork.Use.DYNO, 0);
    network.release(first, 0);
    NodeNetwork.Link next = network.take(NodeNetwork.Use.DYNO, 0);
    assertNotEquals(first.device(), next.device(), "the kernel may still be removing the old veth");
  }

  @Test
  void releasingAnOldLinkLeavesTheRouterTheNewDynoOnTheSamePort() throws Exception {
    NodeNetwork.Link old = network.take(NodeNetwork.Use.DYNO, 20001);
    NodeNetwork.Link replacement = network.take(NodeNetwork.Use.DYNO, 20001);
    network.release(old, 20001);
    assertEquals(replacement.address(), NodeNetwork.endpoint(Optional.of(network), 20001).address().getAddress()
        .getHostAddress());
    network.release(replacement, 20001);
    assertEquals("127.0.0.1", NodeNetwork.endpoint(Optional.of(network), 20001).address().getAddress()
        .getHostAddress());
  }

  @Test
  void lookingWhetherAHomeIsLockedLeavesItsLockInPlace() throws Exception {
    Path file = java.nio.file.Files.createTempFile("server", ".lock");
    assertFalse(NodeNetwork.locked(file), "nobody holds it");
    try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(file,
        java.nio.file.StandardOpenOption.WRITE); java.nio.channels.FileLock held = channel.lock()) {
      assertTrue(NodeNetwork.locked(file));
      assertTrue(NodeNetwork.locked(file));
      // the kernel still has it: a look that had opened and closed the file would have dropped it
      String inode = ":" + java.nio.file.Files.getAttribute(file, "unix:ino") + " ";
      assertTrue(java.nio.file.Files.readString(Path.of("/proc/locks")).contains(inode),
          "the lock survives being looked at");
    }
    assertFalse(NodeNetwork.locked(file));
  }
}
