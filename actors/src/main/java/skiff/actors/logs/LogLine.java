package skiff.actors.logs;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** One line of an app's log, numbered in arrival order so a reader can resume after it. */
public record LogLine(long seq, Instant time, String source, String dyno, String message)
    implements skiff.persistence.CborSerializable {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSxxx").withZone(ZoneOffset.UTC);

  /** Heroku's display format: {@code 2026-11-26T14:42:32.123456+00:00 app[web.1]: message}. */
  public String formatted() {
    return TIME.format(time) + " " + source + "[" + dyno + "]: " + message;
  }

  /** Whether the line passes the filters of {@code heroku logs} ({@code --dyno}, {@code --ps}, {@code --source}). */
  public boolean matches(String dynoOrType, String sourceFilter) {
    if (sourceFilter != null && !sourceFilter.isBlank() && !source.equals(sourceFilter)) {
      return false;
    }
    if (dynoOrType == null || dynoOrType.isBlank()) {
      return true;
    }
    return dyno.equals(dynoOrType) || dyno.startsWith(dynoOrType + ".");
  }
}
