package skiff.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * nginx as a keep-alive reverse proxy in front of one dyno: the router benchmarks' anchor, run
 * beside Skiff in the same rounds. {@code worker_processes} is {@code auto} unless
 * {@code -Dbench.nginx.workers} says otherwise.
 */
final class NginxAnchor implements AutoCloseable {
  /** How much nginx does for each request. */
  enum Work {
    /**
     * A reverse proxy as nginx's guides set one up: keep-alive to the dyno, {@code Host} and
     * {@code X-Forwarded-For}, no access log. It does less than Skiff's router must.
     */
    PLAIN("nginx", "nginx"),
    /**
     * What Skiff's router does for each request as well, so that the two are compared on the same
     * work: Heroku's request headers (X-Forwarded-For, -Proto and -Port, X-Request-Start in
     * milliseconds, a client's X-Request-Id kept when it looks like one, else a new one, Via), the
     * request id and Via on the answer, and a log line per request with the fields of Heroku's
     * router line (buffered, as Skiff's router also writes its lines off the request's path). The
     * dyno parses these headers too: a Node dyno's own throughput is lower with them.
     */
    HEROKU("nginx, Heroku's headers and log", "nginx-heroku");

    final String label;
    final String directory;

    Work(String label, String directory) {
      this.label = label;
      this.directory = directory;
    }
  }

  private final int port;
  private final Process process;

  private NginxAnchor(int port, Process process) {
    this.port = port;
    this.process = process;
  }

  static NginxAnchor start(Path work, Work what, InetSocketAddress dyno) throws IOException, InterruptedException {
    Path prefix = Files.createDirectories(work.resolve(what.directory));
    Files.createDirectories(prefix.resolve("logs"));
    int port = RouterBench.freePort();
    Path conf = prefix.resolve("nginx.conf");
    Files.writeString(conf, """
        worker_processes %s;
        daemon off;
        error_log %s/logs/error.log;
        pid %s/nginx.pid;
        events { worker_connections 1024; }
        http {
          %s
          map $http_upgrade $connection_upgrade { default upgrade; '' ''; }
          upstream dyno { server %s; keepalive 64; }
          server {
            listen 127.0.0.1:%d;
            location / {
              proxy_pass http://dyno;
              proxy_http_version 1.1;
              proxy_set_header Upgrade $http_upgrade;
              proxy_set_header Connection $connection_upgrade;
              proxy_set_header Host $host;
              proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
              %s
            }
          }
        }
        """.formatted(System.getProperty("bench.nginx.workers", "auto"), prefix, prefix,
        what == Work.HEROKU ? herokuMaps(prefix) : "access_log off;", dyno.getHostString() + ":" + dyno.getPort(),
        port, what == Work.HEROKU ? HEROKU_HEADERS : ""));
    Process nginx = new ProcessBuilder("nginx", "-p", prefix.toString(), "-c", conf.toString())
        .redirectErrorStream(true).redirectOutput(prefix.resolve("logs/out.log").toFile()).start();
    Thread.sleep(500);
    if (!nginx.isAlive()) {
      throw new IllegalStateException("nginx did not start: " + Files.readString(prefix.resolve("logs/out.log"))
          + Files.readString(prefix.resolve("logs/error.log")));
    }
    return new NginxAnchor(port, nginx);
  }

  /** The request id, start time and Via as Skiff's router makes them, and its log line's fields. */
  private static String herokuMaps(Path prefix) {
    return """
        map $http_x_request_id $heroku_request_id { "~^[A-Za-z0-9+/=-]{20,200}$" $http_x_request_id; default $request_id; }
          map $msec $heroku_request_start { "~^(?<s>[0-9]+)\\.(?<ms>[0-9]+)$" $s$ms; }
          map $http_via $heroku_via { "" "1.1 nginx"; default "$http_via, 1.1 nginx"; }
          log_format heroku 'at=info method=$request_method path="$request_uri" host=$host request_id=$heroku_request_id fwd="$proxy_add_x_forwarded_for" dyno=web.1 connect=${upstream_connect_time}s service=${upstream_response_time}s status=$status bytes=$bytes_sent protocol=$scheme';
          access_log %s/logs/router.log heroku buffer=64k flush=1s;
        """.formatted(prefix);
  }

  /** Heroku's headers on the request and the answer (one directive a line, indented as the location's). */
  private static final String HEROKU_HEADERS = String.join("\n      ",
      "proxy_set_header X-Forwarded-Proto $scheme;",
      "proxy_set_header X-Forwarded-Port $server_port;",
      "proxy_set_header X-Request-Start $heroku_request_start;",
      "proxy_set_header X-Request-Id $heroku_request_id;",
      "proxy_set_header Via $heroku_via;",
      "add_header X-Request-Id $heroku_request_id always;",
      "add_header Via \"1.1 nginx\" always;");

  String address() {
    return "127.0.0.1:" + port;
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    process.waitFor(10, TimeUnit.SECONDS);
  }
}
