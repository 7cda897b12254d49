package skiff.platform.logs;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import skiff.actors.dynos.LogSink;

/**
 * Each app's recent log lines in memory, in arrival order, in Heroku's format
 * ({@code 2026-11-26T14:42:32.123456+00:00 app[web.1]: message}); the last 1,500 are kept.
 */
public final class LogBuffers implements LogSink {
  public static final int KEPT = 1500;
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSxxx").withZone(ZoneOffset.UTC);

  private final Map<String, ArrayDeque<String>> byApp = new ConcurrentHashMap<>();

  @Override
  public void append(String appId, String source, String dyno, String message) {
    String line = TIME.format(Instant.now()) + " " + source + "[" + dyno + "]: " + message;
    ArrayDeque<String> lines = byApp.computeIfAbsent(appId, id -> new ArrayDeque<>());
    synchronized (lines) {
      lines.addLast(line);
      if (lines.size() > KEPT) {
        lines.removeFirst();
      }
    }
  }

  public List<String> recent(String appId) {
    ArrayDeque<String> lines = byApp.get(appId);
    if (lines == null) {
      return List.of();
    }
    synchronized (lines) {
      return List.copyOf(lines);
    }
  }
}
