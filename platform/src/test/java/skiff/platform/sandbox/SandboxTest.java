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
        Optional.of(20001), true, 1024, List.of(), List.of("/bin/bash", "-c", "echo hi")));
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
    assertEquals("20001", command.get(command.indexOf("--unshare-all") - 4));
  }
}
