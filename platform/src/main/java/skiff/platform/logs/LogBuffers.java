package skiff.platform.logs;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import skiff.actors.logs.AppLogs;
import skiff.actors.logs.LogLine;

/**
 * Each app's recent log lines in memory, in arrival order: the last 1,500 are kept (Heroku's
 * Logplex history), numbered so log sessions can resume, with live followers for tails.
 */
public final class LogBuffers implements AppLogs {
  public static final int KEPT = 1500;

  private static final class AppBuffer {
    final ArrayDeque<LogLine> lines = new ArrayDeque<>();
    final List<Consumer<LogLine>> followers = new CopyOnWriteArrayList<>();
    long next = 1;
  }

  private final Map<String, AppBuffer> byApp = new ConcurrentHashMap<>();

  @Override
  public void append(String appId, String source, String dyno, String message) {
    AppBuffer buffer = byApp.computeIfAbsent(appId, id -> new AppBuffer());
    LogLine line;
    synchronized (buffer) {
      line = new LogLine(buffer.next++, Instant.now(), source, dyno, message);
      buffer.lines.addLast(line);
      if (buffer.lines.size() > KEPT) {
        buffer.lines.removeFirst();
      }
    }
    for (Consumer<LogLine> follower : buffer.followers) {
      follower.accept(line);
    }
  }

  @Override
  public List<LogLine> since(String appId, long afterSeq) {
    AppBuffer buffer = byApp.get(appId);
    if (buffer == null) {
      return List.of();
    }
    synchronized (buffer) {
      List<LogLine> out = new ArrayList<>();
      for (LogLine line : buffer.lines) {
        if (line.seq() > afterSeq) {
          out.add(line);
        }
      }
      return out;
    }
  }

  @Override
  public AutoCloseable follow(String appId, Consumer<LogLine> follower) {
    AppBuffer buffer = byApp.computeIfAbsent(appId, id -> new AppBuffer());
    buffer.followers.add(follower);
    return () -> buffer.followers.remove(follower);
  }

  /** The formatted lines, oldest first. */
  public List<String> recent(String appId) {
    return since(appId, 0).stream().map(LogLine::formatted).toList();
  }
}
