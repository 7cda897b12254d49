package skiff.platform.logs;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import skiff.actors.apps.LogDrain;
import skiff.actors.dynos.LogSink;
import skiff.actors.logs.AppLogplex;
import skiff.actors.logs.LogLine;

/**
 * Sends each app's log lines to its drains: syslog (RFC 5424, octet-counted, over TCP or TLS) and
 * HTTP(S) (Logplex's application/logplex-1 batches). Each drain has its own bounded buffer (1,024
 * lines) and thread, so a slow or dead drain never holds up the app or the other drains; what it
 * cannot take is counted and reported in the app's log as Heroku's L10. An app's drains run on the
 * node its log runs on ({@link AppLogplex}), which configures them here and offers them each line
 * once, so a cluster delivers each line once.
 */
public final class LogDrains implements AppLogplex.Drains {
  private static final Logger log = LoggerFactory.getLogger(LogDrains.class);
  static final int BUFFER = 1024;
  private static final DateTimeFormatter RFC5424 =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSxxx").withZone(ZoneOffset.UTC);

  private final LogSink logs;
  private final SSLContext tls;
  private final Map<String, Map<String, Worker>> byApp = new ConcurrentHashMap<>();

  /** {@code logs}: where a drain's losses are reported (the app's log). */
  public LogDrains(LogSink logs, SSLContext tls) {
    this.logs = logs;
    this.tls = tls;
  }

  @Override
  public void configure(String appId, List<LogDrain> drains) {
    Set<String> wanted = drains.stream().map(LogDrain::id).collect(Collectors.toSet());
    Map<String, Worker> workers = byApp.computeIfAbsent(appId, id -> new ConcurrentHashMap<>());
    workers.entrySet().removeIf(e -> {
      if (!wanted.contains(e.getKey())) {
        e.getValue().stop();
        return true;
      }
      return false;
    });
    for (LogDrain drain : drains) {
      workers.computeIfAbsent(drain.id(), id -> new Worker(appId, drain));
    }
    if (workers.isEmpty()) {
      byApp.remove(appId);
    }
  }

  @Override
  public void offer(String appId, List<LogLine> lines) {
    Map<String, Worker> workers = byApp.get(appId);
    if (workers != null) {
      for (Worker w : workers.values()) {
        lines.forEach(w::offer);
      }
    }
  }

  /** One drain: its buffer, its thread, its losses. */
  private final class Worker {
    final String appId;
    final LogDrain drain;
    final BlockingQueue<LogLine> queue = new ArrayBlockingQueue<>(BUFFER);
    final AtomicLong dropped = new AtomicLong();
    volatile Instant droppedSince;
    volatile boolean running = true;
    final Thread thread;

    Worker(String appId, LogDrain drain) {
      this.appId = appId;
      this.drain = drain;
      this.thread = new Thread(this::deliver, "drain-" + drain.id());
      thread.setDaemon(true);
      thread.start();
    }

    void offer(LogLine line) {
      if (!queue.offer(line)) {
        if (dropped.getAndIncrement() == 0) {
          droppedSince = Instant.now();
        }
      }
    }

    void stop() {
      running = false;
      thread.interrupt();
    }

    private void deliver() {
      URI uri = URI.create(drain.url());
      Sender sender = uri.getScheme().startsWith("syslog") ? new SyslogSender(uri, drain.id())
          : new HttpSender(uri, drain.id());
      List<LogLine> batch = new ArrayList<>();
      while (running) {
        try {
          LogLine first = queue.poll(500, TimeUnit.MILLISECONDS);
          reportLosses();
          if (first == null) {
            continue;
          }
          batch.clear();
          batch.add(first);
          queue.drainTo(batch, 99);
          sender.send(batch);
        } catch (InterruptedException e) {
          return;
        } catch (Exception e) {
          log.debug("drain {} failed: {}", drain.url(), e.toString());
          sleep(1000); // a dead drain is retried; meanwhile its buffer fills and the surplus is counted
        }
      }
    }

    private void reportLosses() {
      long lost = dropped.getAndSet(0);
      if (lost > 0) {
        logs.append(appId, "heroku", "logplex", "Error L10 (output buffer overflow): " + lost
            + " messages dropped since " + RFC5424.format(droppedSince) + ".");
      }
    }
  }

  private interface Sender {
    void send(List<LogLine> lines) throws Exception;
  }

  /** RFC 5424 over TCP or TLS with octet counting; HOSTNAME is the drain token, as Logplex does. */
  private final class SyslogSender implements Sender {
    final URI uri;
    final String token;
    Socket socket;
    OutputStream out;

    SyslogSender(URI uri, String token) {
      this.uri = uri;
      this.token = token;
    }

    @Override
    public void send(List<LogLine> lines) throws IOException {
      if (socket == null || socket.isClosed()) {
        socket = uri.getScheme().equals("syslog+tls")
            ? tls.getSocketFactory().createSocket(uri.getHost(), uri.getPort()) : new Socket();
        if (!socket.isConnected()) {
          socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 5000);
        }
        out = socket.getOutputStream();
      }
      try {
        StringBuilder frames = new StringBuilder();
        for (LogLine line : lines) {
          String msg = "<" + priority(line) + ">1 " + RFC5424.format(line.time()) + " " + token + " " + line.source()
              + " " + line.dyno() + " - - " + line.message();
          frames.append(msg.getBytes(StandardCharsets.UTF_8).length).append(' ').append(msg);
        }
        out.write(frames.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
      } catch (IOException e) {
        socket.close();
        throw e;
      }
    }
  }

  /** Logplex's HTTP drain: application/logplex-1 batches of octet-counted frames, retried twice. */
  private final class HttpSender implements Sender {
    final URI uri;
    final String token;
    final HttpClient http;

    HttpSender(URI uri, String token) {
      this.uri = uri;
      this.token = token;
      this.http = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @Override
    public void send(List<LogLine> lines) throws Exception {
      StringBuilder body = new StringBuilder();
      for (LogLine line : lines) {
        String msg = "<" + priority(line) + ">1 " + RFC5424.format(line.time()) + " host " + line.source() + " "
            + line.dyno() + " - " + line.message();
        body.append(msg.getBytes(StandardCharsets.UTF_8).length).append(' ').append(msg);
      }
      byte[] frameId = new byte[16];
      ThreadLocalRandom.current().nextBytes(frameId);
      HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
          .header("Content-Type", "application/logplex-1")
          .header("Logplex-Msg-Count", String.valueOf(lines.size()))
          .header("Logplex-Frame-Id", HexFormat.of().formatHex(frameId))
          .header("Logplex-Drain-Token", token)
          .header("User-Agent", "Logplex/v1 (Skiff)")
          .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
      if (uri.getUserInfo() != null) {
        request.header("Authorization", "Basic " + java.util.Base64.getEncoder()
            .encodeToString(uri.getUserInfo().getBytes(StandardCharsets.UTF_8)));
      }
      Exception last = null;
      for (int attempt = 0; attempt < 3; attempt++) {
        try {
          HttpResponse<Void> response = http.send(request.build(), HttpResponse.BodyHandlers.discarding());
          if (response.statusCode() / 100 == 2) {
            return;
          }
          last = new IOException("HTTP " + response.statusCode());
        } catch (IOException e) {
          last = e;
        }
      }
      throw last;
    }
  }

  /** local7.info for app lines, local3.info for the router and platform (as Logplex frames them). */
  static int priority(LogLine line) {
    return line.source().equals("app") ? 190 : 158;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
