package skiff.platform.stacks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class StackDefinitionTest {

  @Test
  void theShippedDefaultStackIsDebian12OnBookworm() {
    var shipped = StackImages.shipped();
    StackDefinition first = shipped.values().iterator().next();
    assertEquals("debian-12", first.name());
    assertEquals("bookworm", first.suite());
    assertTrue(first.packages().containsAll(List.of("nodejs", "python3", "openjdk-17-jdk-headless", "maven")),
        first.packages().toString());
  }

  @Test
  void theDigestFollowsThePackagesNotTheCommentsOrTheirOrder() {
    StackDefinition a = StackDefinition.parse("s", "suite bookworm\npackage curl\npackage git\n");
    StackDefinition b = StackDefinition.parse("s", "# same, said differently\nsuite bookworm\n\npackage git  # vcs\n"
        + "package curl\n");
    StackDefinition c = StackDefinition.parse("s", "suite bookworm\npackage curl\npackage git\npackage make\n");
    assertEquals(a.digest(), b.digest());
    assertNotEquals(a.digest(), c.digest(), "another package list is another image");
    assertEquals("minbase", a.variant());
  }

  @Test
  void aBrokenDefinitionIsRefusedWithItsLine() {
    var noSuite = assertThrows(IllegalArgumentException.class, () -> StackDefinition.parse("x", "package curl\n"));
    assertTrue(noSuite.getMessage().contains("names no suite"), noSuite.getMessage());
    var unknown = assertThrows(IllegalArgumentException.class,
        () -> StackDefinition.parse("x", "suite bookworm\npackages curl\n"));
    assertTrue(unknown.getMessage().contains("line 2") && unknown.getMessage().contains("packages"),
        unknown.getMessage());
    // a package name is passed to mmdebstrap: nothing that could be read as an option or a second word
    var hostile = assertThrows(IllegalArgumentException.class,
        () -> StackDefinition.parse("x", "suite bookworm\npackage --customize-hook=touch /x\n"));
    assertTrue(hostile.getMessage().contains("line 2"), hostile.getMessage());
  }
}
