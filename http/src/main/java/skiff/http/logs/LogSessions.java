package skiff.http.logs;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import skiff.actors.logs.AppLogs;
import skiff.actors.logs.LogLine;

/**
 * Log sessions: what {@code POST /apps/{app}/log-sessions} creates and {@code logplex_url} serves,
 * as server-sent events at an unguessable URL (the CLI sends no token there). History first (the
 * last N matching lines, or everything after {@code Last-Event-ID} on a reconnect), then, for a
 * tail, every new line as it arrives.
 *
 * <p>The URL carries the session itself (app, filters, time of creation), signed with a key every
 * node derives from the master key: any node serves a session any node created, with nothing
 * stored, so a load balancer in front of the nodes' APIs, or the loss of the creating node, does
 * not break {@code logs --tail}. A session URL is good for an hour, as Heroku's are short-lived.
 */
public final class LogSessions {
  private static final Pattern PATH = Pattern.compile("^/streams/logs/([A-Za-z0-9_-]{1,600})\\.([A-Za-z0-9_-]{43})$");
  static final Duration VALID_FOR = Duration.ofHours(1);
  private static final int TAIL_BUFFER = 10_000;
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

  /** A session's filters: {@code dyno} is a dyno (web.1) or a process type (web); {@code source} app or heroku. */
  public record Session(String appId, int lines, boolean tail, String dyno, String source, Instant createdAt) {}

  private final AppLogs logs;
  private final Materializer materializer;
  private final javax.crypto.spec.SecretKeySpec key;

  /** {@code key}: the cluster's log session key, the same on every node. */
  public LogSessions(AppLogs logs, Materializer materializer, byte[] key) {
    this.logs = logs;
    this.materializer = materializer;
    this.key = new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256");
  }

  /** The session as the last part of its URL: the session, then its signature. */
  public String open(Session session) {
    try {
      var fields = JSON.createObjectNode().put("app", session.appId()).put("lines", session.lines())
          .put("tail", session.tail()).put("dyno", session.dyno()).put("source", session.source())
          .put("at", session.createdAt().getEpochSecond());
      String payload = Base64.getUrlEncoder().withoutPadding().encodeToString(JSON.writeValueAsBytes(fields));
      return payload + "." + sign(payload);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private String sign(String payload) {
    try {
      javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
      mac.init(key);
      return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(payload.getBytes(StandardCharsets.US_ASCII)));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The session a URL's last part names, if this cluster signed it and it has not expired. */
  Optional<Session> session(String path, Instant now) {
    Matcher m = PATH.matcher(path);
    if (!m.matches() || !java.security.MessageDigest.isEqual(sign(m.group(1)).getBytes(StandardCharsets.US_ASCII),
        m.group(2).getBytes(StandardCharsets.US_ASCII))) {
      return Optional.empty();
    }
    try {
      var fields = JSON.readTree(Base64.getUrlDecoder().decode(m.group(1)));
      Session session = new Session(fields.path("app").asText(), fields.path("lines").asInt(),
          fields.path("tail").asBoolean(), fields.path("dyno").textValue(), fields.path("source").textValue(),
          Instant.ofEpochSecond(fields.path("at").asLong()));
      return session.createdAt().plus(VALID_FOR).isAfter(now) ? Optional.of(session) : Optional.empty();
    } catch (java.io.IOException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  public static boolean handles(HttpRequest request) {
    return request.getUri().path().startsWith("/streams/logs/");
  }

  public CompletionStage<HttpResponse> handle(HttpRequest request) {
    request.discardEntityBytes(materializer);
    Session session = session(request.getUri().path(), Instant.now()).orElse(null);
    if (session == null) {
      return CompletableFuture.completedStage(HttpResponse.create().withStatus(StatusCodes.NOT_FOUND)
          .withEntity(ContentTypes.TEXT_PLAIN_UTF8, "No such log session, or it is over an hour old; create one"
              + " with POST /apps/APP/log-sessions.\n"));
    }
    Optional<Long> resumeAfter = request.getHeader("Last-Event-ID").map(HttpHeader::value)
        .flatMap(LogSessions::parseLong);
    // the app's log may run on another node: its history is asked for; a tail follows on from it
    return logs.since(session.appId(), resumeAfter.orElse(0L)).thenApply(kept -> {
      List<LogLine> history = kept.stream().filter(l -> l.matches(session.dyno(), session.source())).toList();
      if (resumeAfter.isEmpty() && history.size() > session.lines()) {
        history = history.subList(history.size() - session.lines(), history.size());
      }
      // the tail goes on after the last line kept, shown or filtered out
      long lastSent = kept.isEmpty() ? resumeAfter.orElse(0L) : kept.get(kept.size() - 1).seq();
      // retry: a short reconnect delay, so a finished (non-tail) stream lets the CLI exit at once
      Source<ByteString, ?> head = Source.single(ByteString.fromString("retry: 200\n\n"))
          .concat(Source.from(history).map(LogSessions::event));
      Source<ByteString, ?> body = session.tail() ? head.concat(follow(session, lastSent)) : head;
      return HttpResponse.create().withEntity(HttpEntities.createChunked(
          ContentTypes.create(MediaTypes.TEXT_EVENT_STREAM), body)).addHeader(
          org.apache.pekko.http.javadsl.model.headers.RawHeader.create("Cache-Control", "no-cache"));
    });
  }

  /**
   * New lines as they come; a comment every 20 s keeps idle connections open. A reader slower than
   * the app loses lines once its 10,000-line buffer is full, and is told so with Heroku's L11 before
   * the next line that fits.
   */
  private Source<ByteString, ?> follow(Session session, long after) {
    return Source.<LogLine>queue(TAIL_BUFFER)
        .watchTermination((queue, done) -> {
          TailOverflow overflow = new TailOverflow();
          AutoCloseable following = logs.follow(session.appId(), after, line -> {
            if (line.matches(session.dyno(), session.source())) {
              overflow.offer(queue, line);
            }
          });
          done.whenComplete((ok, error) -> {
            try {
              following.close();
            } catch (Exception ignored) {
              // nothing to release
            }
          });
          return queue;
        })
        .map(LogSessions::event)
        .keepAlive(Duration.ofSeconds(20), () -> ByteString.fromString(":\n\n"));
  }

  /** Counts the lines a tail session had no room for, and says so once there is room again. */
  private static final class TailOverflow {
    private static final DateTimeFormatter SINCE =
        DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxxx").withZone(ZoneOffset.UTC);
    private long dropped;
    private long lastDroppedSeq;
    private Instant since;

    synchronized void offer(BoundedSourceQueue<LogLine> queue, LogLine line) {
      if (dropped > 0) {
        LogLine notice = new LogLine(lastDroppedSeq, Instant.now(), "heroku", "logplex",
            "Error L11 (Tail buffer overflow) -> This tail session dropped " + dropped + " messages since "
                + SINCE.format(since));
        if (queue.offer(notice) == QueueOfferResult.enqueued()) {
          dropped = 0;
        }
      }
      if (dropped > 0 || queue.offer(line) != QueueOfferResult.enqueued()) {
        if (dropped++ == 0) {
          since = line.time();
        }
        lastDroppedSeq = line.seq();
      }
    }
  }

  /** One SSE event per line; its id lets the reader resume after it. */
  static ByteString event(LogLine line) {
    StringBuilder text = new StringBuilder("id: ").append(line.seq()).append('\n');
    for (String part : line.formatted().split("\n", -1)) {
      text.append("data: ").append(part).append('\n');
    }
    return ByteString.fromArray(text.append('\n').toString().getBytes(StandardCharsets.UTF_8));
  }

  private static Optional<Long> parseLong(String s) {
    try {
      return Optional.of(Long.parseLong(s.trim()));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
