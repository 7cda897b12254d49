package skiff.http.router;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import skiff.actors.dynos.LogSink;

/**
 * The {@code heroku[router]} lines, formatted and appended to the app's log on a thread of their
 * own: an event loop only hands over the line's fields, so a slow log never slows a request. The
 * hand-over is a lock-free queue that the log thread empties every few milliseconds: waking it for
 * each line would cost a system call per request. When the queue is full (a burst far beyond what
 * the log can take) the line is dropped and counted.
 */
final class RouterLog implements AutoCloseable {
  /** What one line says; formatted on the log thread. */
  record Line(String appId, String code, String desc, String level, String method, String path, String host,
      String requestId, String fwd, String dyno, long connectMillis, long serviceMillis, int status, long bytes,
      boolean https, String sock) {

    String format() {
      StringBuilder b = new StringBuilder(256);
      b.append("at=").append(level);
      if (code != null) {
        b.append(" code=").append(code).append(" desc=\"").append(desc).append('"');
      }
      b.append(" method=").append(method).append(" path=\"").append(path).append("\" host=").append(host)
          .append(" request_id=").append(requestId).append(" fwd=\"").append(fwd).append("\" dyno=")
          .append(dyno == null ? "" : dyno).append(" connect=");
      if (dyno != null) {
        b.append(connectMillis).append("ms");
      }
      b.append(" service=");
      if (dyno != null) {
        b.append(serviceMillis).append("ms");
      }
      b.append(" status=").append(status).append(" bytes=").append(bytes).append(" protocol=")
          .append(https ? "https" : "http");
      if (sock != null) {
        b.append(" sock=").append(sock);
      }
      return b.toString();
    }
  }

  private final LogSink logs;
  private static final int CAPACITY = 65_536;
  private static final long PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
  private final Queue<Line> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicLong dropped = new AtomicLong();
  private final Thread writer;
  private volatile boolean open = true;

  RouterLog(LogSink logs) {
    this.logs = logs;
    this.writer = new Thread(this::drain, "skiff-router-log");
    writer.setDaemon(true);
    writer.start();
  }

  void add(Line line) {
    if (queued.incrementAndGet() > CAPACITY) {
      queued.decrementAndGet();
      dropped.incrementAndGet();
    } else {
      queue.add(line);
    }
  }

  long dropped() {
    return dropped.get();
  }

  private void drain() {
    while (open || !queue.isEmpty()) {
      Line line = queue.poll();
      if (line == null) {
        LockSupport.parkNanos(PAUSE_NANOS);
        continue;
      }
      queued.decrementAndGet();
      try {
        logs.append(line.appId(), "heroku", "router", line.format());
      } catch (RuntimeException e) {
        // a failing sink loses this line, not the log thread
      }
    }
  }

  @Override
  public void close() {
    open = false;
    try {
      writer.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
