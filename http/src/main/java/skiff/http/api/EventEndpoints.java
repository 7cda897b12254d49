package skiff.http.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.Method;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.Sequence;
import skiff.actors.Cause;
import skiff.actors.apps.AppEntity;
import skiff.actors.apps.AppService;
import skiff.persistence.JournalReader;

/**
 * {@code GET /apps/{app}/events}: the app's journal (its app, release and dyno events) in order,
 * each with who caused it, when and under which request; filters {@code type}, {@code dyno},
 * {@code actor}, {@code since}, {@code until} (ISO-8601 instants); {@code Range} paging by {@code id}.
 */
public final class EventEndpoints {
  private static final ObjectMapper DATA = new ObjectMapper().findAndRegisterModules()
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

  private final AppService apps;
  private final JournalReader journal;

  public EventEndpoints(AppService apps, JournalReader journal) {
    this.apps = apps;
    this.journal = journal;
  }

  public void register(ApiRoutes routes) {
    routes.get("/apps/{app}/events", this::list);
    routes.get("/apps/{app}/events/export", call -> apps.find(call.app())
        .thenCompose(app -> journal.byTag(AppEntity.tag(app.id())))
        .thenApply(all -> {
          var lines = Representations.JSON.createArrayNode();
          all.forEach(e -> lines.add(exported(e)));
          return ApiResponse.ok(lines);
        }));
  }

  /** An event as export writes it: enough to rebuild it (its class and data) and to order it. */
  static ObjectNode exported(EventEnvelope envelope) {
    ObjectNode n = Representations.JSON.createObjectNode();
    n.put("persistence_id", envelope.persistenceId());
    n.put("sequence_nr", envelope.sequenceNr());
    n.put("class", envelope.event().getClass().getName());
    n.set("event", DATA.valueToTree(envelope.event()));
    return n;
  }

  private CompletionStage<ApiResponse> list(ApiCall call) {
    String type = call.query("type").orElse(null);
    String dyno = call.query("dyno").orElse(null);
    String actor = call.query("actor").orElse(null);
    Instant since = instant("since", call.query("since").orElse(null));
    Instant until = instant("until", call.query("until").orElse(null));
    RangeSpec range = RangeSpec.parse(call.header("Range").orElse(null), "id");
    return apps.find(call.app()).thenCompose(app -> journal.byTag(AppEntity.tag(app.id())).thenApply(all -> {
      List<ObjectNode> events = all.stream().map(EventEndpoints::event)
          .filter(e -> type == null || e.path("type").asText().equalsIgnoreCase(type))
          .filter(e -> dyno == null || e.path("dyno").asText().equals(dyno))
          .filter(e -> actor == null || e.path("actor").asText().equals(actor))
          .filter(e -> since == null || !Instant.parse(e.path("at").asText()).isBefore(since))
          .filter(e -> until == null || Instant.parse(e.path("at").asText()).isBefore(until))
          .toList();
      if (type != null && events.isEmpty() && all.stream().noneMatch(e -> e.event().getClass().getSimpleName()
          .equalsIgnoreCase(type))) {
        throw ApiError.invalid("No events of type '" + type + "' in " + app.name() + "'s journal; types there: "
            + String.join(", ", all.stream().map(e -> e.event().getClass().getSimpleName()).distinct().sorted()
            .toList()) + ".");
      }
      var page = Paging.apply(events, e -> e.path("id").asText(), range);
      return new ApiResponse(page.status(), AppEndpoints.array(page.items()), page.headers());
    }));
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

  static ObjectNode event(EventEnvelope envelope) {
    Object event = envelope.event();
    ObjectNode n = Representations.JSON.createObjectNode();
    n.put("id", envelope.offset() instanceof Sequence s ? s.value() : envelope.sequenceNr());
    n.put("type", event.getClass().getSimpleName());
    String entity = envelope.persistenceId();
    n.put("entity", entity);
    if (entity.startsWith("Dyno|")) {
      n.put("dyno", entity.substring(entity.indexOf(':') + 1));
    }
    Cause cause = causeOf(event);
    if (cause != null) {
      n.put("at", cause.at().toString());
      n.put("actor", cause.actor());
      if (cause.requestId() == null) {
        n.putNull("request_id");
      } else {
        n.put("request_id", cause.requestId());
      }
    } else {
      n.put("at", Instant.ofEpochMilli(envelope.timestamp()).toString());
      n.put("actor", Cause.PLATFORM);
      n.putNull("request_id");
    }
    ObjectNode data = DATA.valueToTree(event);
    data.remove("cause");
    n.set("data", data);
    return n;
  }

  /** Every Skiff event carries a Cause, directly or in the release it records. */
  private static Cause causeOf(Object event) {
    for (String accessor : new String[] {"cause", "release"}) {
      try {
        Method m = event.getClass().getMethod(accessor);
        Object value = m.invoke(event);
        if (value instanceof Cause c) {
          return c;
        }
        if (value != null) {
          Cause inner = causeOf(value);
          if (inner != null) {
            return inner;
          }
        }
      } catch (ReflectiveOperationException ignored) {
        // no such accessor
      }
    }
    return null;
  }
}
