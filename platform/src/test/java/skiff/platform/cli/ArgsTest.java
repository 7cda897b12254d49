package skiff.platform.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ArgsTest {
  private static Args parse(String usage, String... argv) {
    String name = usage.split(" ")[0];
    return Args.parse(Args.spec(name, usage), argv);
  }

  @Test
  void optionsComeFromTheUsageLinePlusTheCommonOnes() {
    Args args = parse("logs [-a APP] [-n|--num NUM] [-t|--tail] [-d|--dyno web.1]", "--app=blog", "-n", "5", "--tail",
        "--dyno", "web.1");
    assertEquals(Optional.of("blog"), args.value("a", "app"));
    assertEquals(Optional.of("5"), args.value("n", "num"));
    assertTrue(args.has("t") && args.has("tail"));
    assertEquals(Optional.of("web.1"), args.value("d", "dyno"));
    assertFalse(args.has("json"));
    assertTrue(parse("logs [-a APP]", "--json", "-r", "skiff").has("json"));
  }

  @Test
  void aFlagTheCommandDoesNotHaveIsAnErrorNamingIt() {
    Args.Invalid unknown = assertThrows(Args.Invalid.class, () -> parse("config [-a APP] [--shell]", "--shel"));
    assertTrue(unknown.getMessage().contains("skiff config has no option --shel"), unknown.getMessage());
    Args.Invalid missing = assertThrows(Args.Invalid.class, () -> parse("state:diff --from T1 --to T2", "--from"));
    assertTrue(missing.getMessage().contains("--from"), missing.getMessage());
  }

  @Test
  void everythingAfterDashesIsKeptAsItIsAndAOneOffsCommandEndsTheOptions() {
    Args dashed = parse("run [-a APP] [-e|--env K=V] -- COMMAND [ARGS]", "-a", "x", "--", "ls", "-la", "--json");
    assertEquals(List.of("ls", "-la", "--json"), dashed.afterDashes());
    assertFalse(dashed.has("json"));
    Args bare = parse("run [-a APP] [-e|--env K=V] -- COMMAND [ARGS]", "-a", "x", "ls", "-la");
    assertEquals(List.of("ls", "-la"), bare.positionals());
  }

  @Test
  void positionalsAndValuesThatLookLikeOtherThings() {
    Args args = parse("events [-a APP | --all] [--actor EMAIL]", "--actor", "@team", "--all");
    assertEquals(Optional.of("@team"), args.value(null, "actor"), "no @file expansion");
    assertTrue(args.has("all"));
    assertEquals(List.of("A=1", "B=two words"), parse("config:set KEY=VALUE... [-a APP]", "A=1", "B=two words")
        .positionals());
  }
}
