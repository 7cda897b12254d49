package skiff.actors.apps;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import skiff.persistence.CborSerializable;

/**
 * What bringing an app back to an earlier instant changes: the app as it is now against the app as
 * its journal says it was then. Pure and deterministic, so the same two states always give the same
 * plan: a dry run shows exactly what the real run then does, and the entity refuses a restore whose
 * plan no longer matches what the caller was shown.
 *
 * @param to the instant restored to
 * @param release the release to issue, or {@code null} when slug, config vars and process types are as then
 * @param formation the process types whose quantity or size changes
 * @param drainsAdded drains as they were then (same id and URL), matched by URL
 * @param maintenance the maintenance flag to set, or {@code null} when unchanged
 * @param buildStack the stack to build on, or {@code null} when unchanged
 * @param changes the same plan as a person reads it, one line per field
 */
public record RestorePlan(
    Instant to,
    ReleaseTarget release,
    List<FormationTarget> formation,
    List<String> domainsAdded,
    List<String> domainsRemoved,
    List<LogDrain> drainsAdded,
    List<LogDrain> drainsRemoved,
    Boolean maintenance,
    String buildStack,
    List<Change> changes) implements CborSerializable {

  /** The slug, config vars and process types that were live then; {@code set}/{@code unset} turn now's into them. */
  public record ReleaseTarget(int fromVersion, String slugId, Map<String, String> config,
      Map<String, String> processTypes, Map<String, String> set, List<String> unset) implements CborSerializable {}

  public record FormationTarget(String type, int quantity, String size) implements CborSerializable {}

  /**
   * One line of the plan: {@code op} is {@code ~} (changed), {@code +} (comes back) or {@code -}
   * (goes); config var values are never shown, only their names.
   */
  public record Change(String field, String op, String from, String to) implements CborSerializable {
    @Override
    public String toString() {
      return switch (op) {
        case "+" -> "+ " + field + ": " + to;
        case "-" -> "- " + field + ": " + from;
        default -> "~ " + field + ": " + from + " -> " + to;
      };
    }
  }

  public boolean isEmpty() {
    return changes.isEmpty();
  }

  public static RestorePlan between(AppEntity.LiveApp now, AppEntity.LiveApp then, Instant to) {
    List<Change> changes = new ArrayList<>();
    ReleaseTarget release = release(now, then, changes);
    List<FormationTarget> formation = formation(now, then, changes);
    List<String> domainsAdded = then.customDomains().stream().filter(d -> !now.customDomains().contains(d))
        .sorted().toList();
    List<String> domainsRemoved = now.customDomains().stream().filter(d -> !then.customDomains().contains(d))
        .sorted().toList();
    domainsAdded.forEach(d -> changes.add(new Change("Domains", "+", null, d)));
    domainsRemoved.forEach(d -> changes.add(new Change("Domains", "-", d, null)));
    List<LogDrain> drainsAdded = then.drains().stream()
        .filter(d -> now.drains().stream().noneMatch(n -> n.url().equals(d.url()))).toList();
    List<LogDrain> drainsRemoved = now.drains().stream()
        .filter(d -> then.drains().stream().noneMatch(t -> t.url().equals(d.url()))).toList();
    drainsAdded.forEach(d -> changes.add(new Change("Drains", "+", null, d.url())));
    drainsRemoved.forEach(d -> changes.add(new Change("Drains", "-", d.url(), null)));
    Boolean maintenance = null;
    if (now.maintenance() != then.maintenance()) {
      maintenance = then.maintenance();
      changes.add(new Change("Maintenance", "~", onOff(now.maintenance()), onOff(then.maintenance())));
    }
    String buildStack = null;
    if (!Stacks.same(now.buildStack(), then.buildStack())) {
      buildStack = Stacks.canonical(then.buildStack());
      changes.add(new Change("Stack", "~", Stacks.canonical(now.buildStack()), buildStack));
    }
    return new RestorePlan(to, release, formation, domainsAdded, domainsRemoved, drainsAdded, drainsRemoved,
        maintenance, buildStack, List.copyOf(changes));
  }

  private static ReleaseTarget release(AppEntity.LiveApp now, AppEntity.LiveApp then, List<Change> changes) {
    boolean sameSlug = Objects.equals(now.currentSlugId(), then.currentSlugId());
    boolean sameTypes = now.processTypes().equals(then.processTypes());
    if (sameSlug && sameTypes && now.config().equals(then.config())) {
      return null;
    }
    changes.add(new Change("Release", "~", "v" + now.currentVersion(), "v" + (now.lastVersion() + 1)
        + " with v" + then.currentVersion() + "'s slug and config vars"));
    if (!sameSlug) {
      changes.add(new Change("Slug", "~", checksum(now.currentSlug()), checksum(then.currentSlug())));
    }
    Map<String, String> set = new TreeMap<>();
    then.config().forEach((k, v) -> {
      if (!v.equals(now.config().get(k))) {
        set.put(k, v);
        changes.add(now.config().containsKey(k) ? new Change("Config vars", "~", k, k + " (value as then)")
            : new Change("Config vars", "+", null, k));
      }
    });
    List<String> unset = new TreeSet<>(now.config().keySet()).stream().filter(k -> !then.config().containsKey(k))
        .toList();
    unset.forEach(k -> changes.add(new Change("Config vars", "-", k, null)));
    if (!sameTypes) {
      changes.add(new Change("Process types", "~", new TreeMap<>(now.processTypes()).toString(),
          new TreeMap<>(then.processTypes()).toString()));
    }
    return new ReleaseTarget(then.currentVersion(), then.currentSlugId(), Map.copyOf(then.config()),
        Map.copyOf(then.processTypes()), Map.copyOf(set), unset);
  }

  /** Every type with a formation entry now or then; a type with none then goes to zero. */
  private static List<FormationTarget> formation(AppEntity.LiveApp now, AppEntity.LiveApp then,
      List<Change> changes) {
    TreeSet<String> types = new TreeSet<>(now.formation().keySet());
    types.addAll(then.formation().keySet());
    List<FormationTarget> out = new ArrayList<>();
    for (String type : types) {
      FormationEntry current = now.formation().get(type);
      FormationEntry past = then.formation().get(type);
      int quantity = past == null ? 0 : past.quantity();
      String size = past != null ? past.size() : current.size();
      int currentQuantity = current == null ? 0 : current.quantity();
      String currentSize = current == null ? DynoSizes.DEFAULT : current.size();
      if (quantity != currentQuantity || !size.equals(currentSize)) {
        out.add(new FormationTarget(type, quantity, size));
        changes.add(new Change("Formation", "~", type + "=" + currentQuantity + ":" + currentSize,
            type + "=" + quantity + ":" + size));
      }
    }
    return out;
  }

  private static String checksum(Slug slug) {
    return slug == null ? "none" : slug.checksum();
  }

  private static String onOff(boolean on) {
    return on ? "on" : "off";
  }
}
