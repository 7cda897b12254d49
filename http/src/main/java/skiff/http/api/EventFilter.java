package skiff.http.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import skiff.actors.apps.AppDirectory;
import skiff.actors.apps.AppEntity;
import skiff.actors.apps.ReleaseEntity;
import skiff.actors.dynos.DynoEntity;
import skiff.persistence.JournalTypes;

/**
 * Which journal events a reader asked for: {@code type} (an event's stable name such as
 * {@code app.config-vars-changed}; the older class-style ConfigVarsChanged is still understood),
 * {@code dyno} (web.1), {@code actor} (who caused it), {@code since} and {@code until} (ISO-8601
 * instants, since inclusive, until exclusive). Checked when the request arrives, so a typo is a 422
 * naming the parameter rather than an empty answer.
 */
record EventFilter(String type, String dyno, String actor, Instant since, Instant until) {

  private static final List<Class<?>> EVENT_CLASSES = Stream.of(AppEntity.Event.class, ReleaseEntity.Event.class,
          DynoEntity.Event.class, AppDirectory.Event.class)
      .flatMap(c -> Arrays.stream(c.getPermittedSubclasses())).toList();

  /** Every event type an entity of the platform can write, by its stable name. */
  static final List<String> TYPES = EVENT_CLASSES.stream()
      .map(c -> JournalTypes.loaded().byClass(c).orElseThrow().name()).distinct().sorted().toList();

  static EventFilter of(ApiCall call) {
    String type = call.query("type").map(EventFilter::stableName).orElse(null);
    Instant since = instant("since", call.query("since").orElse(null));
    Instant until = instant("until", call.query("until").orElse(null));
    if (since != null && until != null && !since.isBefore(until)) {
      throw ApiError.invalid("since=" + since + " is not before until=" + until + "; swap them.");
    }
    return new EventFilter(type, call.query("dyno").orElse(null), call.query("actor").orElse(null), since, until);
  }

  /** The stable name for a type as asked: itself, or the stable name of a class-style name. */
  private static String stableName(String asked) {
    if (TYPES.contains(asked)) {
      return asked;
    }
    return EVENT_CLASSES.stream().filter(c -> c.getSimpleName().equalsIgnoreCase(asked)).findFirst()
        .map(c -> JournalTypes.loaded().byClass(c).orElseThrow().name())
        .orElseThrow(() -> ApiError.invalid("type='" + asked + "' is not an event type; use one of: "
            + String.join(", ", TYPES) + "."));
  }

  /** An ISO-8601 instant from a query parameter, or a 422 naming the parameter. */
  static Instant instant(String name, String value) {
    if (value == null) {
      return null;
    }
    try {
      return Instant.parse(value);
    } catch (DateTimeParseException e) {
      throw ApiError.invalid(name + "='" + value + "' is not a timestamp; write it like 2026-11-26T14:00:00Z.");
    }
  }

  /** Whether an event, as {@link EventEndpoints#event} renders it, passes. */
  boolean matches(ObjectNode e) {
    if (type != null && !e.path("type").asText().equals(type)
        || dyno != null && !e.path("dyno").asText().equals(dyno)
        || actor != null && !e.path("actor").asText().equals(actor)) {
      return false;
    }
    if (since == null && until == null) {
      return true;
    }
    Instant at = Instant.parse(e.path("at").asText());
    return (since == null || !at.isBefore(since)) && (until == null || at.isBefore(until));
  }
}
