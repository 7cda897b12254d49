package skiff.platform;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A command Skiff itself runs on the host (tar, chown, cp, ip), as root, to its end. */
public final class HostCommand {
  private HostCommand() {}

  /** Runs {@code command}; a failure names {@code what} and carries the command's output. */
  public static void run(String what, List<String> command) throws IOException, InterruptedException {
    output(what, command);
  }

  /** Runs {@code command} and returns what it printed (stdout and stderr). */
  public static String output(String what, List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException(what + " failed: " + output.strip());
    }
    return output;
  }
}
