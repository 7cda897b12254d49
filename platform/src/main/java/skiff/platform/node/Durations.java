package skiff.platform.node;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the duration and size formats of skiff.conf: {@code 500ms 20s 10m 24h} and {@code 512MB 1GB}. */
public final class Durations {
  private static final Pattern DURATION = Pattern.compile("^(\\d{1,9})(ms|s|m|h|d)$");
  private static final Pattern SIZE = Pattern.compile("^(\\d{1,9})\\s*(B|KB|MB|GB|K|M|G)$", Pattern.CASE_INSENSITIVE);

  private Durations() {}

  public static Duration parse(String variable, String text) {
    Matcher m = DURATION.matcher(text.trim());
    if (!m.matches()) {
      throw new SettingsException(variable + "='" + text + "' is not a duration: write a whole number and a unit,"
          + " e.g. 500ms, 20s, 10m or 24h");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }

  public static long parseBytes(String variable, String text) {
    Matcher m = SIZE.matcher(text.trim());
    if (!m.matches()) {
      throw new SettingsException(variable + "='" + text + "' is not a size: write a whole number and a unit,"
          + " e.g. 512MB or 1GB");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2).toUpperCase()) {
      case "KB", "K" -> n << 10;
      case "MB", "M" -> n << 20;
      case "GB", "G" -> n << 30;
      default -> n;
    };
  }
}
