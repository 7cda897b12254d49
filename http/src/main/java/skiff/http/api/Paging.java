package skiff.http.api;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Applies a {@link RangeSpec} to a list: sorts by the key, cuts at start/end and {@code max}, and
 * says whether there is more ({@code 206} with {@code Next-Range}) or not ({@code 200}).
 */
public final class Paging {
  private Paging() {}

  public record Page<T>(List<T> items, int status, Map<String, String> headers) {}

  /** Keys are compared as numbers when both look like numbers, else as strings. */
  public static <T> Page<T> apply(List<T> all, Function<T, String> key, RangeSpec range) {
    Comparator<String> byKey = Paging::compareKeys;
    List<T> sorted = new ArrayList<>(all);
    sorted.sort(Comparator.comparing(key, range.descending() ? byKey.reversed() : byKey));
    List<T> window = new ArrayList<>();
    for (T item : sorted) {
      String k = key.apply(item);
      if (range.start() != null) {
        int c = range.descending() ? compareKeys(range.start(), k) : compareKeys(k, range.start());
        if (c < 0 || (c == 0 && range.startExclusive())) {
          continue;
        }
      }
      if (range.end() != null) {
        int c = range.descending() ? compareKeys(range.end(), k) : compareKeys(k, range.end());
        if (c > 0) {
          continue;
        }
      }
      window.add(item);
    }
    Map<String, String> headers = new HashMap<>();
    headers.put("Accept-Ranges", range.field());
    if (window.size() <= range.max()) {
      if (!window.isEmpty()) {
        headers.put("Content-Range", contentRange(range, key, window));
      }
      return new Page<>(window, 200, headers);
    }
    List<T> page = List.copyOf(window.subList(0, range.max()));
    headers.put("Content-Range", contentRange(range, key, page));
    headers.put("Next-Range", range.nextRange(key.apply(page.get(page.size() - 1))));
    return new Page<>(page, 206, headers);
  }

  private static <T> String contentRange(RangeSpec range, Function<T, String> key, List<T> page) {
    return range.field() + " " + key.apply(page.get(0)) + ".." + key.apply(page.get(page.size() - 1))
        + "; max=" + range.max();
  }

  static int compareKeys(String a, String b) {
    if (isNumber(a) && isNumber(b)) {
      return Long.compare(Long.parseLong(a), Long.parseLong(b));
    }
    return a.compareTo(b);
  }

  private static boolean isNumber(String s) {
    return !s.isEmpty() && s.length() < 18 && s.chars().allMatch(Character::isDigit);
  }
}
