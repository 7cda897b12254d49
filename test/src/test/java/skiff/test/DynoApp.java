package skiff.test;

/** A Python web app that says which dyno it is and what it can see, for the dyno tests. */
final class DynoApp {
  private DynoApp() {}

  static final String WEB = """
      import http.server, json, os

      class Handler(http.server.BaseHTTPRequestHandler):
          def do_GET(self):
              if self.path.startswith("/look"):
                  check = os.environ.get("LOOK_FOR", "/nonexistent")
                  body = json.dumps({
                      "dyno": os.environ["DYNO"],
                      "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
                      "app": sorted(os.listdir("/app")) if os.path.isdir("/app") else [],
                      "home": os.environ["HOME"],
                      "secret_visible": os.path.exists(check) and len(os.listdir(check)) > 0,
                  })
              elif self.path.startswith("/outbound"):
                  import socket
                  # an address, not a name: with outbound denied a DNS query would only time out
                  ip = self.path.split("ip=", 1)[1]
                  try:
                      with socket.create_connection((ip, 80), timeout=3):
                          body = "outbound allowed"
                  except OSError as e:
                      body = "outbound failed: " + str(e)
              elif self.path.startswith("/write"):
                  with open(os.environ["HOME"] + "/written-by-" + os.environ["DYNO"], "w") as f:
                      f.write("x")
                  body = "ok"
              else:
                  body = os.environ["DYNO"]
              data = body.encode()
              self.send_response(200)
              self.send_header("Content-Length", str(len(data)))
              self.end_headers()
              self.wfile.write(data)

          def log_message(self, *args):
              pass

      print("listening on", os.environ["PORT"], flush=True)
      http.server.ThreadingHTTPServer(("0.0.0.0", int(os.environ["PORT"])), Handler).serve_forever()
      """;

  /** Tries, from inside a dyno, what an attacker would; prints "held" or "ESCAPE" for each. */
  static final String PROBE = """
      import os, socket, struct, subprocess

      def attempt(name, fn):
          try:
              fn()
              print("ESCAPE", name, flush=True)
          except Exception as e:
              print("held", name, type(e).__name__, flush=True)

      def run(*cmd):
          subprocess.run(list(cmd), check=True, capture_output=True)

      def write(path, text):
          with open(path, "w") as f:
              f.write(text)

      home = os.environ.get("LOOK_FOR", "/nonexistent")
      print("uid", os.getuid(), flush=True)
      attempt("unhide-home", lambda: run("umount", home))
      attempt("unhide-proc", lambda: run("umount", "/proc"))
      attempt("mount", lambda: run("mount", "-t", "tmpfs", "x", "/tmp"))
      attempt("read-home", lambda: open(home + "/admin.token").read())
      attempt("read-root-only", lambda: open("/etc/shadow").read())
      attempt("write-host", lambda: write("/usr/local/bin/skiff-escape", "x"))
      attempt("join-parent-cgroup", lambda: write("/sys/fs/cgroup/memory/cgroup.procs", str(os.getpid())))
      attempt("raise-memory-limit", lambda: write("/sys/fs/cgroup/memory/memory.limit_in_bytes", "-1"))
      attempt("write-stack", lambda: write("/etc/skiff-escape", "x"))
      # a world-readable file on the host, outside SKIFF_HOME (the operator's ~/.netrc, say)
      attempt("read-host-canary", lambda: open(os.environ["CANARY"]).read())

      def reach(port):
          with socket.create_connection(("127.0.0.1", port), timeout=2):
              pass

      def reach_any(ports):
          for port in ports:
              try:
                  reach(port)
              except OSError:
                  continue
              raise AssertionError("reached host port %d" % port)
          raise OSError("none reachable")

      # the node's API, the journal database, and every dyno port on this node's range
      attempt("reach-api", lambda: reach(int(os.environ["API_PORT"])))
      attempt("reach-postgres", lambda: reach(5432))
      low, high = (int(p) for p in os.environ["DYNO_PORTS"].split("-"))
      attempt("reach-other-dynos", lambda: reach_any(range(low, high + 1)))

      # the dyno's link to the node's gateway: its default route's gateway, the dyno one address above
      def gateway():
          for line in open("/proc/net/route").read().splitlines()[1:]:
              f = line.split()
              if f[1] == "00000000":
                  return struct.unpack(">I", struct.pack("<I", int(f[2], 16)))[0]
          raise OSError("no link")

      def dotted(n):
          return socket.inet_ntoa(struct.pack(">I", n))

      def reach_at(address, port):
          with socket.create_connection((address, port), timeout=2):
              pass

      def neighbours():
          own = gateway() + 1
          print("link", dotted(own), flush=True)
          for delta in (-2, 2, -4, 4, -6, 6, -8, 8):
              address = dotted(own + delta)
              for port in range(low, high + 1):
                  try:
                      reach_at(address, port)
                  except OSError:
                      continue
                  raise AssertionError("reached %s:%d" % (address, port))
          raise OSError("none reachable")

      # a host service listening on every address: through the gateway, the node's side of the
      # gateway's link (the first address of the node's /20), and the host's own address
      host_port = int(os.environ["HOST_PORT"])
      attempt("reach-gateway", lambda: reach_at(dotted(gateway()), host_port))
      attempt("reach-host-link", lambda: reach_at(dotted(gateway() & ~0xFFF), host_port))
      attempt("reach-host-address", lambda: reach_at(os.environ["HOST_IP"], host_port))
      # other dynos at their own links, the addresses next to this one's
      attempt("reach-neighbour-dynos", neighbours)
      # ports a dyno holds stay inside its own network namespace
      held = []
      # the top 50 ports of the node's dyno range too: on the host they stay free for other dynos
      for port in [31337, 31338] + list(range(high - 49, high + 1)):
          s = socket.socket()
          s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
          s.bind(("127.0.0.1" if port == 31338 else "0.0.0.0", port))
          s.listen()
          held.append(s)
      print("stack", [l for l in open("/etc/os-release") if l.startswith("PRETTY_NAME")][0].strip(), flush=True)
      try:
          with socket.create_connection(("deb.debian.org", 80), timeout=10):
              print("outbound allowed", flush=True)
      except OSError as e:
          print("outbound failed", e, flush=True)
      write("/tmp/skiff-probe-" + os.environ["DYNO"], "private")
      print("probe done", flush=True)
      import time
      time.sleep(3600)
      """;

  static final String PROCFILE = """
      web: python3 web.py
      worker: python3 -c 'import time; print("worker running", flush=True); time.sleep(3600)'
      hog: python3 -c 'import time; x = bytearray(400 * 1024 * 1024); time.sleep(3600)'
      probe: python3 probe.py
      forker: python3 -c "exec('import os, time\\nn = 0\\ntry:\\n  while n < 1000:\\n    if os.fork() == 0:\\n      time.sleep(120)\\n      os._exit(0)\\n    n += 1\\n  print(\\'forked\\', n, flush=True)\\nexcept OSError:\\n  print(\\'fork stopped at\\', n, flush=True)\\ntime.sleep(3600)')"
      """;
}
