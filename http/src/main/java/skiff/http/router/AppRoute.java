package skiff.http.router;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One app in a routing snapshot: its settings, the backends that may get requests now, and what
 * the router must know when none may (all crashed, some on their way up, idled).
 */
public record AppRoute(AppEntry app, List<Backend> backends, boolean allCrashed, boolean anyComing, boolean idle,
    AppActivity activity) {

  /**
   * Power of two choices: of two random usable backends not in {@code exclude}, the one with fewer
   * requests outstanding; {@code null} when there is none.
   */
  public Backend pick(List<Backend> exclude) {
    long now = System.nanoTime();
    int n = backends.size();
    ThreadLocalRandom random = ThreadLocalRandom.current();
    if (n >= 2) {
      // the common case picks without building a list: two distinct random indexes
      int i = random.nextInt(n);
      int j = (i + 1 + random.nextInt(n - 1)) % n;
      Backend a = backends.get(i);
      Backend b = backends.get(j);
      if (eligible(a, exclude, now) && eligible(b, exclude, now)) {
        return a.outstanding() <= b.outstanding() ? a : b;
      }
    }
    List<Backend> candidates = new ArrayList<>(n);
    for (Backend b : backends) {
      if (eligible(b, exclude, now)) {
        candidates.add(b);
      }
    }
    if (candidates.size() <= 1) {
      return candidates.isEmpty() ? null : candidates.get(0);
    }
    int i = random.nextInt(candidates.size());
    Backend a = candidates.get(i);
    Backend b = candidates.get((i + 1 + random.nextInt(candidates.size() - 1)) % candidates.size());
    return a.outstanding() <= b.outstanding() ? a : b;
  }

  /** Heroku's plain random choice, kept to show by measurement why power of two choices matters. */
  public Backend pickRandom() {
    long now = System.nanoTime();
    int n = backends.size();
    int offset = n == 0 ? 0 : ThreadLocalRandom.current().nextInt(n);
    for (int k = 0; k < n; k++) {
      Backend b = backends.get((offset + k) % n);
      if (b.usable(now)) {
        return b;
      }
    }
    return null;
  }

  private static boolean eligible(Backend b, List<Backend> exclude, long now) {
    return b.usable(now) && !exclude.contains(b);
  }
}
