package skiff.test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A bounded load generator for zero-downtime tests: {@link #CLIENTS} threads sending POSTs to an
 * app of {@link RouterApp} through a router until closed, every answer counted. A POST with a body
 * cannot be sent twice, and 50 ms at the dyno keeps requests in flight whenever a process is
 * replaced: only a drained replacement loses none.
 */
final class SteadyLoad implements AutoCloseable {
  static final int CLIENTS = 8;
  /** The load stops by itself after this many requests per client, whatever happens. */
  private static final int MAX_REQUESTS_PER_CLIENT = 200_000;
  private static final Pattern H_CODE = Pattern.compile("\\((H\\d\\d)\\)");

  final AtomicInteger ok = new AtomicInteger();
  final AtomicInteger failed = new AtomicInteger();
  final Queue<String> failures = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final List<Thread> threads = new ArrayList<>();

  SteadyLoad(int routerPort, String app) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + routerPort + "/slow?ms=50"))
        .timeout(Duration.ofSeconds(30)).header("Host", app + ".localhost")
        .POST(HttpRequest.BodyPublishers.ofString("order=1")).build();
    for (int c = 0; c < CLIENTS; c++) {
      Thread t = new Thread(() -> {
        for (int i = 0; i < MAX_REQUESTS_PER_CLIENT && running.get(); i++) {
          try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 == 2) {
              ok.incrementAndGet();
            } else {
              failed.incrementAndGet();
              Matcher code = H_CODE.matcher(r.body());
              failures.add(r.statusCode() + (code.find() ? " " + code.group(1) : ""));
            }
          } catch (Exception e) {
            failed.incrementAndGet();
            failures.add("socket error: " + e);
          }
        }
      }, "load-" + c);
      threads.add(t);
      t.start();
    }
  }

  /** How it went: {@code N failed, M answered; first failures}. */
  String outcome() {
    return failed.get() + " failed, " + ok.get() + " answered; " + failures.stream().limit(5).toList();
  }

  @Override
  public void close() throws InterruptedException {
    running.set(false);
    for (Thread t : threads) {
      t.join(TimeUnit.SECONDS.toMillis(60));
    }
  }
}
