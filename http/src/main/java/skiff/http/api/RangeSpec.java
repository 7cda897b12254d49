package skiff.http.api;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Platform API {@code Range} header, parsed leniently because clients write it in many ways:
 * {@code version ..; max=15, order=desc}, {@code id ..; max=1000;}, {@code ]app-three..; max=1}.
 *
 * @param start first key to include, or null; {@code startExclusive} when written as {@code ]key}
 */
public record RangeSpec(String field, String start, boolean startExclusive, String end, int max, boolean descending) {
  public static final int DEFAULT_MAX = 200;
  public static final int LIMIT = 1000;
  private static final Pattern RANGE =
      Pattern.compile("^\\s*(?<field>[A-Za-z_]+)?\\s*(?<excl>\\])?(?<start>[^.;,\\s]*)\\.\\.(?<end>[^;,\\s]*)(?<rest>.*)$");
  private static final Pattern MAX = Pattern.compile("max\\s*=\\s*(\\d+)");
  private static final Pattern ORDER = Pattern.compile("order\\s*=\\s*(asc|desc)", Pattern.CASE_INSENSITIVE);

  public static RangeSpec parse(String header, String defaultField, String... sortableFields) {
    if (header == null || header.isBlank()) {
      return new RangeSpec(defaultField, null, false, null, DEFAULT_MAX, false);
    }
    Matcher m = RANGE.matcher(header);
    if (!m.matches()) {
      throw new ApiError(416, "requested_range_not_satisfiable", "Range '" + header
          + "' is not understood: write it as '" + defaultField + " ..; max=200, order=desc'.");
    }
    String field = m.group("field") == null ? defaultField : m.group("field");
    if (!field.equals(defaultField) && java.util.Arrays.stream(sortableFields).noneMatch(field::equals)) {
      throw new ApiError(416, "requested_range_not_satisfiable", "Cannot sort by '" + field + "': ranges here are by "
          + defaultField + ".");
    }
    String rest = m.group("rest");
    int max = DEFAULT_MAX;
    Matcher maxMatch = MAX.matcher(rest);
    if (maxMatch.find()) {
      try {
        max = Math.max(1, Math.min(LIMIT, Integer.parseInt(maxMatch.group(1))));
      } catch (NumberFormatException tooLong) {
        max = LIMIT;
      }
    }
    Matcher order = ORDER.matcher(rest);
    boolean descending = order.find() && order.group(1).equalsIgnoreCase("desc");
    return new RangeSpec(field, emptyToNull(m.group("start")), m.group("excl") != null, emptyToNull(m.group("end")),
        max, descending);
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  /** The header a client repeats to get the page that starts after {@code lastKey}. */
  public String nextRange(String lastKey) {
    return field + " ]" + lastKey + "..; max=" + max + ", order=" + (descending ? "desc" : "asc");
  }
}
