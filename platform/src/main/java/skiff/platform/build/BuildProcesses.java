package skiff.platform.build;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How a buildpack script is started. Its environment is built from scratch: the host's PATH and a
 * few harmless settings, never the server's own (SKIFF_ADMIN_TOKEN, SKIFF_DATABASE_URL and the
 * rest); the app's config vars reach it through ENV_DIR, as the buildpack API says. And it runs as
 * the first process of a PID namespace of its own that dies with the server: {@code setpriv
 * --pdeathsig} kills the namespace's holder when the server's build thread goes (a kill -9
 * included), and the kernel then kills everything the build started.
 */
final class BuildProcesses {
  /** Passed on from the server's environment; everything else is left out. */
  private static final List<String> KEPT = List.of("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "JAVA_HOME",
      "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy", "SSL_CERT_FILE",
      "SSL_CERT_DIR");

  private BuildProcesses() {}

  /** Host settings that name host paths or tools, meaningless on a stack. */
  private static final List<String> HOST_ONLY = List.of("PATH", "HOME", "JAVA_HOME", "SSL_CERT_FILE", "SSL_CERT_DIR",
      "TMPDIR");

  /**
   * Builds the environment from scratch; {@code sealed} (on a stack) also leaves out what names the
   * host's own paths, and gives the stack's PATH and a HOME in the sandbox's /tmp.
   */
  static void cleanEnvironment(Map<String, String> env, boolean sealed) {
    Map<String, String> kept = new java.util.HashMap<>();
    for (String name : KEPT) {
      if (sealed && HOST_ONLY.contains(name)) {
        continue;
      }
      String value = env.get(name);
      if (value != null) {
        kept.put(name, value);
      }
    }
    env.clear();
    env.putAll(kept);
    env.putIfAbsent("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    env.putIfAbsent("LANG", "C.UTF-8");
    if (sealed) {
      env.put("HOME", "/tmp");
    }
  }

  /**
   * Gives the sandbox's user the directories it works in: what it writes, and what it must read
   * although SKIFF_HOME's umask made it private. Read-only ones are bound read-only anyway.
   */
  static void handOver(List<skiff.platform.sandbox.Sandbox.Bind> binds) throws java.io.IOException {
    for (var bind : binds) {
      List<String> command = bind.writable()
          ? List.of("chown", "-R", skiff.platform.sandbox.Sandbox.UID + ":" + skiff.platform.sandbox.Sandbox.UID,
              bind.host().toString())
          : List.of("chmod", "-R", "go+rX", bind.host().toString());
      try {
        skiff.platform.HostCommand.run(String.join(" ", command), command);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.IOException("interrupted");
      }
    }
  }

  /** The command with host paths replaced by where the sandbox sees them. */
  static List<String> inside(List<String> command, List<skiff.platform.sandbox.Sandbox.Bind> binds) {
    List<String> translated = new ArrayList<>();
    for (String arg : command) {
      String result = arg;
      for (var bind : binds) {
        String host = bind.host().toAbsolutePath().toString();
        if (arg.equals(host) || arg.startsWith(host + "/")) {
          result = bind.inside() + arg.substring(host.length());
          break;
        }
      }
      translated.add(result);
    }
    return translated;
  }

  static List<String> contained(List<String> command) {
    List<String> wrapped = new ArrayList<>(List.of("setpriv", "--pdeathsig", "KILL", "--",
        "unshare", "--fork", "--kill-child", "--pid", "--mount-proc", "--"));
    wrapped.addAll(command);
    return wrapped;
  }

  /**
   * The same, with SKIFF_HOME ({@code home}: the journal, keys, tokens, other apps' repositories
   * and caches) hidden under an empty tmpfs in the build's own mount namespace, except the
   * {@code visible} directories the build works in, which are moved back to where they were. The
   * script then runs without the capabilities to undo that (no mounts, no ptrace, no modules:
   * root keeps only what file work needs) and with no_new_privs.
   */
  static List<String> contained(List<String> command, Path home, List<Path> visible) {
    List<String> wrapped = new ArrayList<>(List.of("setpriv", "--pdeathsig", "KILL", "--",
        "unshare", "--fork", "--kill-child", "--pid", "--mount-proc", "--mount", "--propagation", "private", "--",
        "/bin/sh", "-c", HIDE_HOME, "build", home.toString(),
        String.join(":", visible.stream().map(p -> p.toAbsolutePath().toString()).toList())));
    wrapped.addAll(command);
    return wrapped;
  }

  /** $1 SKIFF_HOME, $2 the directories to keep (colon-separated), then the command. */
  private static final String HIDE_HOME = """
      set -e
      home="$1"; keep="$2"; shift 2
      mount -t tmpfs -o size=1m,mode=0700 skiff-stage /mnt
      IFS=:
      i=0
      for p in $keep; do i=$((i+1)); mkdir -p "/mnt/$i"; mount --rbind "$p" "/mnt/$i"; done
      mount -t tmpfs -o size=1m,mode=0755 skiff-hidden "$home"
      i=0
      for p in $keep; do i=$((i+1)); mkdir -p "$p"; mount --move "/mnt/$i" "$p"; done
      unset IFS
      exec setpriv --bounding-set=-all,+chown,+dac_override,+dac_read_search,+fowner,+fsetid,+kill,+setgid,+setuid \
        --no-new-privs -- "$@"
      """;
}
