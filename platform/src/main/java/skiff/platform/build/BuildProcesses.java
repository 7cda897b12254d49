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

  static void cleanEnvironment(Map<String, String> env) {
    Map<String, String> kept = new java.util.HashMap<>();
    for (String name : KEPT) {
      String value = env.get(name);
      if (value != null) {
        kept.put(name, value);
      }
    }
    env.clear();
    env.putAll(kept);
    env.putIfAbsent("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    env.putIfAbsent("LANG", "C.UTF-8");
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
