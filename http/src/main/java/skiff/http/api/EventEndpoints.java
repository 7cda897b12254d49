package skiff.http.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import skiff.actors.Cause;
import skiff.actors.apps.AppEntity;
import skiff.actors.apps.AppService;
import skiff.persistence.JournalReader;
import skiff.persistence.JournalTypes;
import skiff.persistence.secrets.Disclosure;

/**
 * The journal as an API. {@code GET /apps/{app}/events}: the app's events (its app, release and
 * dyno events) in order, each with who caused it, when and under which request; filters as in
 * {@link EventFilter}; {@code Range} paging by {@code id}; with {@code Accept: text/event-stream}
 * (or {@code follow=true}) the matching history and then new events as server-sent events, resumable
 * with {@code Last-Event-ID}. {@code GET /events} is the same for the whole platform (admins only).
 * {@code .../events/export} streams the raw events as JSON lines for {@code events:verify}.
 */
public final class EventEndpoints {
  /** Each entity kind tags its events with the kind; together they are the whole journal. */
  static final List<String> PLATFORM_TAGS = List.of("directory", "app", "release", "dyno");

  /** Config values come out as [redacted] (SecretValues), unless the caller asked to reveal them. */
  private static final ObjectMapper DATA = new ObjectMapper().findAndRegisterModules()
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
  private static final ObjectMapper REVEALED = DATA.copy();
  private static final JournalTypes TYPES = JournalTypes.loaded();

  static {
    REVEALED.setConfig(REVEALED.getSerializationConfig().withAttribute(Disclosure.ATTRIBUTE, Disclosure.REVEAL));
  }
  private static final ContentType EVENT_STREAM = ContentTypes.create(MediaTypes.TEXT_EVENT_STREAM);
  private static final ContentType JSON_LINES = ContentTypes.create(MediaTypes.customWithFixedCharset(
      "application", "x-ndjson", HttpCharsets.UTF_8, Map.of(), false));
  private static final Duration KEEP_ALIVE = Duration.ofSeconds(15);

  private final AppService apps;
  private final JournalReader journal;
  private final Materializer materializer;

  public EventEndpoints(AppService apps, JournalReader journal, Materializer materializer) {
    this.apps = apps;
    this.journal = journal;
    this.materializer = materializer;
  }

  public void register(ApiRoutes routes) {
    routes.get("/apps/{app}/events", call -> {
      EventFilter filter = EventFilter.of(call);
      boolean reveal = reveals(call);
      return apps.find(call.app()).thenCompose(app -> events(call, filter, List.of(AppEntity.tag(app.id())), reveal));
    });
    // the platform's journal is for admins: RouteAccess refuses anyone else before these run
    routes.get("/events", call -> events(call, EventFilter.of(call), PLATFORM_TAGS, reveals(call)));
    routes.get("/apps/{app}/events/export", call -> {
      boolean reveal = reveals(call);
      return apps.find(call.app()).thenApply(app -> export(List.of(AppEntity.tag(app.id())), reveal));
    });
    routes.get("/events/export", call -> CompletableFuture.completedStage(export(PLATFORM_TAGS, reveals(call))));
  }

  /**
   * {@code reveal=true}: config values as they were set, for those who may read them (deploy or
   * manage on the app, checked with the route; admins for the whole platform); every reader by
   * default sees {@code [redacted]}.
   */
  private static boolean reveals(ApiCall call) {
    String value = call.query("reveal").orElse("false");
    if (!value.equals("true") && !value.equals("false")) {
      throw ApiError.invalid("reveal='" + value + "' must be true or false.");
    }
    return value.equals("true");
  }

  private CompletionStage<ApiResponse> events(ApiCall call, EventFilter filter, List<String> tags, boolean reveal) {
    if (follows(call)) {
      if (filter.until() != null) {
        throw ApiError.invalid("until cannot be used when following: a followed stream has no end. Drop until, or"
            + " ask without follow.");
      }
      Cursor from = Cursor.parse(call.header("Last-Event-ID").orElse(null), tags);
      return CompletableFuture.completedStage(ApiResponse.streamed(EVENT_STREAM, follow(filter, from, reveal),
          Map.of("Cache-Control", "no-cache")));
    }
    RangeSpec range = RangeSpec.parse(call.header("Range").orElse(null), "id");
    return window(journal.streamed(tags).map(e -> event(e, reveal)).filter(filter::matches), range)
        .thenApply(events -> {
          var page = Paging.apply(events, e -> e.path("id").asText(), range);
          return new ApiResponse(page.status(), AppEndpoints.array(page.items()), page.headers());
        });
  }

  /**
   * The events a page can come from, read in journal order without holding the whole journal: the
   * first {@code max + 1} within the range, or for {@code order=desc} the last {@code max + 1}.
   * {@link Paging} then cuts the page from them exactly as it would from everything.
   */
  private CompletionStage<List<ObjectNode>> window(Source<ObjectNode, ?> events, RangeSpec range) {
    int keep = range.max() + 1;
    // ascending: start is the lowest id wanted, end the highest; descending the other way round
    Long low = id(range.descending() ? range.end() : range.start());
    Long high = id(range.descending() ? range.start() : range.end());
    boolean lowExclusive = !range.descending() && range.startExclusive();
    boolean highExclusive = range.descending() && range.startExclusive();
    Source<ObjectNode, ?> inRange = events
        .filter(e -> low == null || (lowExclusive ? e.path("id").asLong() > low : e.path("id").asLong() >= low))
        .takeWhile(e -> high == null || (highExclusive ? e.path("id").asLong() < high : e.path("id").asLong() <= high));
    if (!range.descending()) {
      return inRange.take(keep).runWith(Sink.seq(), materializer);
    }
    return inRange.runWith(Sink.fold(new ArrayDeque<ObjectNode>(), (last, e) -> {
      last.addLast(e);
      if (last.size() > keep) {
        last.removeFirst();
      }
      return last;
    }), materializer).thenApply(List::copyOf);
  }

  private static Long id(String key) {
    try {
      return key == null ? null : Long.parseLong(key);
    } catch (NumberFormatException e) {
      throw new ApiError(416, "requested_range_not_satisfiable", "Range bounds here are event ids (numbers), not '"
          + key + "'.");
    }
  }

  private static boolean follows(ApiCall call) {
    return call.query("follow").map(Boolean::parseBoolean).orElse(false)
        || call.header("Accept").map(a -> a.contains("text/event-stream")).orElse(false);
  }

  /**
   * History after the cursor and then new events, as server-sent events. Each tag is read from its
   * own offset; the event id is the cursor of all of them, so a reconnect misses nothing.
   */
  private Source<ByteString, ?> follow(EventFilter filter, Cursor from, boolean reveal) {
    Source<Pair<String, EventEnvelope>, ?> merged = Source.empty();
    for (String tag : from.offsets().keySet()) {
      merged = merged.merge(journal.following(tag, from.offsets().get(tag)).map(e -> Pair.create(tag, e)));
    }
    Source<ByteString, ?> events = merged.statefulMapConcat(() -> {
      Cursor cursor = from.copy();
      return tagged -> {
        cursor.advance(tagged.first(), JournalReader.ordering(tagged.second()));
        ObjectNode e = event(tagged.second(), reveal);
        return filter.matches(e) ? List.of(sse(cursor.toString(), e)) : List.of();
      };
    });
    return Source.single(ByteString.fromString("retry: 1000\n\n"))
        .concat(events.keepAlive(KEEP_ALIVE, () -> ByteString.fromString(":\n\n")));
  }

  private static ByteString sse(String id, ObjectNode event) {
    return ByteString.fromString("id: " + id + "\ndata: " + event + "\n\n", StandardCharsets.UTF_8);
  }

  private ApiResponse export(List<String> tags, boolean reveal) {
    // lines ready together leave in one chunk: an export is many small lines
    Source<ByteString, ?> lines = journal.streamed(tags)
        .map(e -> ByteString.fromString(exported(e, reveal) + "\n", StandardCharsets.UTF_8))
        .batchWeighted(256 * 1024, line -> (long) line.size(), line -> line, ByteString::concat);
    return ApiResponse.streamed(JSON_LINES, lines, Map.of());
  }

  /**
   * Where a follower is in each tag's events: {@code 42} for one tag, {@code app=42,dyno=57,...}
   * for several. A single number resumes every tag after that journal position.
   */
  record Cursor(Map<String, Long> offsets) {
    static Cursor parse(String lastEventId, List<String> tags) {
      Map<String, Long> offsets = new LinkedHashMap<>();
      tags.forEach(t -> offsets.put(t, 0L));
      if (lastEventId == null || lastEventId.isBlank()) {
        return new Cursor(offsets);
      }
      try {
        if (!lastEventId.contains("=")) {
          long after = Long.parseLong(lastEventId.trim());
          tags.forEach(t -> offsets.put(t, after));
          return new Cursor(offsets);
        }
        for (String part : lastEventId.split(",")) {
          String[] kv = part.trim().split("=", 2);
          if (!offsets.containsKey(kv[0])) {
            throw ApiError.badRequest("Last-Event-ID '" + lastEventId + "' names '" + kv[0] + "', which this stream"
                + " does not have; reconnect without Last-Event-ID.");
          }
          offsets.put(kv[0], Long.parseLong(kv[1].trim()));
        }
        return new Cursor(offsets);
      } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
        throw ApiError.badRequest("Last-Event-ID '" + lastEventId + "' is not an event id from this stream;"
            + " reconnect without it to start over.");
      }
    }

    Cursor copy() {
      return new Cursor(new LinkedHashMap<>(offsets));
    }

    void advance(String tag, long ordering) {
      offsets.merge(tag, ordering, Math::max);
    }

    @Override
    public String toString() {
      if (offsets.size() == 1) {
        return String.valueOf(offsets.values().iterator().next());
      }
      List<String> parts = new ArrayList<>();
      offsets.forEach((tag, offset) -> parts.add(tag + "=" + offset));
      return String.join(",", parts);
    }
  }

  /**
   * An event as export writes it: enough to rebuild it (its stable type name, version and data)
   * and to order it.
   */
  static ObjectNode exported(EventEnvelope envelope, boolean reveal) {
    ObjectNode n = Representations.JSON.createObjectNode();
    n.put("persistence_id", envelope.persistenceId());
    n.put("sequence_nr", envelope.sequenceNr());
    n.put("type", TYPES.nameOf(envelope.event()));
    n.put("version", TYPES.byClass(envelope.event().getClass()).map(JournalTypes.Entry::version).orElse(1));
    n.set("event", (reveal ? REVEALED : DATA).valueToTree(envelope.event()));
    return n;
  }

  static ObjectNode event(EventEnvelope envelope, boolean reveal) {
    Object event = envelope.event();
    ObjectNode n = Representations.JSON.createObjectNode();
    n.put("id", JournalReader.ordering(envelope));
    n.put("type", TYPES.nameOf(event));
    String entity = envelope.persistenceId();
    n.put("entity", entity);
    String entityId = entity.substring(entity.indexOf('|') + 1);
    if (!entity.startsWith("AppDirectory|")) {
      n.put("app_id", entityId.contains(":") ? entityId.substring(0, entityId.indexOf(':')) : entityId);
    }
    if (entity.startsWith("Dyno|")) {
      n.put("dyno", entityId.substring(entityId.indexOf(':') + 1));
    } else if (event instanceof skiff.actors.dynos.OneOffs.Event oneOff) {
      n.put("dyno", oneOff.name());
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
      if (cause.via() != null) {
        n.put("via", cause.via());
      }
    } else {
      n.put("at", Instant.ofEpochMilli(envelope.timestamp()).toString());
      n.put("actor", Cause.PLATFORM);
      n.putNull("request_id");
    }
    ObjectNode data = (reveal ? REVEALED : DATA).valueToTree(event);
    data.remove("cause");
    if (!n.has("app_id") && data.has("appId")) {
      n.put("app_id", data.path("appId").asText());
    }
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
