package skiff.platform.sandbox;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The one sandbox dynos, one-off dynos, the release phase and builds run in: bubblewrap for the
 * namespaces and mounts, a veth link to the node's {@link NodeNetwork} for the network. Bubblewrap
 * is a small, audited tool that does just this (Flatpak's sandbox) and runs unprivileged; an OCI
 * runtime would need a bundle and a config.json per process for the same result.
 *
 * <p>Inside: the stack's root read-only, a private writable {@code /app} (an overlay on the slug
 * whose writes vanish with the process) or the build's directories, a private {@code /tmp} and
 * {@code /dev/shm}, new user, PID, mount, IPC, UTS, cgroup and network namespaces, the user
 * {@code nobody} (host uid {@value #UID}, never 0: bubblewrap is started as that user, so even
 * an escape from the user namespace lands as nobody), no capabilities, no_new_privs, a new
 * session (no ioctl into the caller's terminal), and nothing of the host but the stack, the DNS
 * settings and the CA certificates (so an operator's own CA is trusted inside too).
 *
 * <p>How it starts, as root in a mount namespace of its own: join the dyno's cgroups (before
 * anything can fork), mount the overlay, bind everything the sandbox will see under a staging
 * tmpfs on /mnt (SKIFF_HOME is 0700 root, so nobody could not reach it there), then start
 * bubblewrap as nobody, blocked until its network namespace has its end of a veth link to the
 * node's gateway ({@link NodeNetwork}): the router reaches a web dyno at the link's address, the
 * dyno reaches nothing but the world outside (when allowed). Without a link the sandbox has only its
 * own loopback.
 */
public final class Sandbox {
  /** Who runs inside, on the host and in the sandbox: {@code nobody}. */
  public static final int UID = 65534;

  private Sandbox() {}

  /** A host directory seen inside at {@code inside}. */
  public record Bind(Path host, String inside, boolean writable) {}

  /** The slug overlay a dyno gets as /app. */
  public record Overlay(Path lower, Path upper, Path work, Path merged) {}

  /**
   * One process to run sealed. {@code run} is a private directory for the sandbox's own files
   * (its fifos, its init's pid); {@code link} its network (none: loopback only).
   */
  public record Spec(Path stackRoot, Path run, String hostname, String workdir, Optional<Overlay> app,
      List<Bind> binds, Optional<NodeNetwork.Link> link, long tmpBytes, List<Path> cgroupProcs,
      List<String> command) {}

  /** The whole command line: started by root, it ends up as {@code command} inside the sandbox. */
  public static List<String> command(Spec spec) {
    List<String> stages = new ArrayList<>();
    List<String> bwrap = new ArrayList<>(List.of("--unshare-all", "--uid", String.valueOf(UID), "--gid",
        String.valueOf(UID), "--hostname", spec.hostname(), "--die-with-parent", "--new-session"));
    stages.add(spec.stackRoot().toString());
    bwrap.addAll(List.of("--ro-bind", "/mnt/0", "/", "--proc", "/proc", "--dev", "/dev",
        "--size", String.valueOf(spec.tmpBytes()), "--tmpfs", "/tmp",
        "--size", String.valueOf(64L << 20), "--tmpfs", "/dev/shm"));
    for (String hostFile : List.of("/etc/resolv.conf", "/etc/ssl/certs")) {
      if (Files.exists(Path.of(hostFile))) {
        stages.add(hostFile);
        bwrap.addAll(List.of("--ro-bind", "/mnt/" + (stages.size() - 1), hostFile));
      }
    }
    if (spec.app().isPresent()) {
      stages.add(spec.app().get().merged().toString());
      bwrap.addAll(List.of("--bind", "/mnt/" + (stages.size() - 1), "/app"));
    }
    for (Bind bind : spec.binds()) {
      stages.add(bind.host().toString());
      bwrap.addAll(List.of(bind.writable() ? "--bind" : "--ro-bind", "/mnt/" + (stages.size() - 1), bind.inside()));
    }
    bwrap.addAll(List.of("--chdir", spec.workdir(), "--"));
    bwrap.addAll(spec.command());

    String overlay = spec.app().map(o -> String.join("\n", o.lower().toString(), o.upper().toString(),
        o.work().toString(), o.merged().toString())).orElse("");
    List<String> all = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "--",
        "/bin/sh", "-c", SCRIPT, "sandbox",
        String.join(" ", spec.cgroupProcs().stream().map(Path::toString).toList()),
        spec.run().toString(),
        spec.link().map(l -> String.join(" ", l.namespace(), l.device(), l.gateway(), l.address())).orElse(""),
        overlay,
        String.join("\n", stages)));
    all.addAll(bwrap);
    return all;
  }

  /**
   * $1 cgroup.procs files, $2 the run directory, $3 the link (gateway namespace, device, gateway
   * address, sandbox address) or empty, $4 the overlay (lower, upper, work, merged on lines) or
   * empty, $5 the staged host paths (lines), then bubblewrap's arguments. Its exit status is the
   * command's; 125 if the sandbox could not start. Bubblewrap's info (its init's pid) is read from a
   * fifo, so nothing polls; the link is made in the gateway with its peer created straight in the
   * sandbox's namespace, then addressed there.
   */
  private static final String SCRIPT = """
      for procs in $1; do echo $$ > "$procs"; done
      run="$2"; link="$3"; overlay="$4"; stages="$5"; shift 5
      fail() { echo "sandbox: $*" >&2; exit 125; }
      nl='
      '
      if [ -n "$overlay" ]; then
        IFS="$nl"; set -- $overlay "$@"; unset IFS
        mount -t overlay overlay -o "lowerdir=$1,upperdir=$2,workdir=$3" "$4" || fail "cannot mount the slug overlay"
        shift 4
      fi
      mount -t tmpfs -o size=64k,mode=0755 skiff-stage /mnt || fail "cannot mount the staging tmpfs on /mnt"
      i=0
      IFS="$nl"
      for path in $stages; do
        if [ -d "$path" ]; then mkdir "/mnt/$i"; else : > "/mnt/$i"; fi
        mount --rbind "$path" "/mnt/$i" || fail "cannot stage $path"
        i=$((i+1))
      done
      unset IFS
      rm -f "$run/go" "$run/info"
      mkfifo -m 0600 "$run/go" "$run/info" && exec 4<>"$run/go" || fail "cannot make the fifos in $run"
      # a background job would get /dev/null as stdin; attached one-offs need the real one
      exec 3<&0
      setpriv --reuid=%1$d --regid=%1$d --clear-groups --inh-caps=-all --bounding-set=-all --no-new-privs -- \\
        bwrap --info-fd 5 --block-fd 4 "$@" 5>"$run/info" 0<&3 3<&- &
      box=$!
      exec 3<&- 5<"$run/info"
      pid=""
      while IFS= read -r line <&5; do
        case "$line" in *'"child-pid"'*) pid="${line##*: }"; pid="${pid%%,*}" ;; esac
      done
      exec 5<&-
      [ -n "$pid" ] || { wait $box; status=$?; [ $status -ne 0 ] && exit $status; fail "bubblewrap did not start"; }
      echo "$pid" > "$run/sandbox.pid"
      if [ -n "$link" ]; then
        set -- $link
        # pasta's MTU: a smaller one on the link would drop what pasta sends in larger segments
        printf 'link add %%s mtu 65520 type veth peer name eth0 mtu 65520 netns %%s\\naddr add %%s/31 dev %%s\\nlink set %%s up\\n' \\
            "$2" "$pid" "$3" "$2" "$2" | ip -n "$1" -batch - >"$run/link.log" 2>&1 \\
          && printf 'addr add %%s/31 dev eth0\\nlink set eth0 up\\nroute add default via %%s\\n' "$4" "$3" \\
            | nsenter --net="/proc/$pid/ns/net" ip -batch - >>"$run/link.log" 2>&1 \\
          || { kill -9 $box; fail "cannot link the sandbox to the node's network: $(head -n 3 "$run/link.log")"; }
      fi
      echo go >&4
      exec 4>&-
      trap '' TERM INT
      while :; do
        wait $box; status=$?
        kill -0 $box 2>/dev/null || break
      done
      exit $status
      """.formatted(UID);

  /** The sandbox's first process (bubblewrap's init, PID 1 inside), once it has started. */
  public static Optional<ProcessHandle> init(Path run) {
    try {
      return ProcessHandle.of(Long.parseLong(Files.readString(run.resolve("sandbox.pid")).strip()));
    } catch (java.io.IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /**
   * Whether something in the sandbox listens on {@code port} where the router can reach it: on any
   * address but loopback (an app bound to 127.0.0.1 is unreachable, as on Heroku, and its boot
   * times out). Read from the sandbox's own socket table: {@code /proc/PID/net/tcp} shows PID's
   * network namespace; a poll costs no connection and no process.
   */
  public static boolean listening(Path run, int port) {
    Optional<ProcessHandle> init = init(run);
    if (init.isEmpty()) {
      return false;
    }
    String local = String.format(":%04X ", port);
    for (String table : List.of("tcp", "tcp6")) {
      try {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(init.get().pid()), "net", table))) {
          String[] fields = line.trim().split("\\s+");
          // sl local_address rem_address st ...: state 0A is LISTEN
          if (fields.length > 3 && (fields[1] + " ").endsWith(local) && fields[3].equals("0A")
              && !loopback(fields[1].substring(0, fields[1].indexOf(':')))) {
            return true;
          }
        }
      } catch (java.io.IOException gone) {
        return false;
      }
    }
    return false;
  }

  /** A local address from /proc/net/tcp{,6} (hex, host byte order per 32-bit word) on loopback. */
  static boolean loopback(String hex) {
    return hex.length() == 8 && hex.endsWith("7F")
        || hex.equals("00000000000000000000000001000000")
        || hex.startsWith("0000000000000000FFFF0000") && hex.endsWith("7F");
  }

  /** What the host must have: the tools, as the README's install line names them. */
  public static Optional<String> missingTools() {
    List<String> missing = new ArrayList<>();
    for (String[] tool : new String[][] {{"bwrap", "bubblewrap"}, {"pasta", "passt"}, {"mmdebstrap", "mmdebstrap"},
        {"setpriv", "util-linux"}, {"unshare", "util-linux"}, {"nsenter", "util-linux"}, {"ip", "iproute2"},
        {"nft", "nftables"}}) {
      if (!onPath(tool[0])) {
        missing.add(tool[0] + " (package " + tool[1] + ")");
      }
    }
    return missing.isEmpty() ? Optional.empty() : Optional.of(String.join(", ", missing));
  }

  private static boolean onPath(String program) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      if (Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return Files.isExecutable(Path.of("/usr/sbin", program)) || Files.isExecutable(Path.of("/usr/bin", program));
  }
}
