package skiff.http.router;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.ResponseEntity;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.RemoteAddress;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.model.ws.WebSocketRequest;
import org.apache.pekko.http.javadsl.model.ws.WebSocketUpgrade;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import skiff.actors.dynos.LogSink;
import skiff.http.router.RoutingTable.AppRoute;
import skiff.http.router.RoutingTable.Backend;

/**
 * The HTTP router: finds the app by Host, picks an up web dyno by power of two choices on
 * outstanding requests, and streams the request and the response through with Heroku's headers
 * and error codes. Every request adds one {@code heroku[router]} line to the app's log.
 */
public final class Router {
  private static final Pattern CLIENT_REQUEST_ID = Pattern.compile("^[A-Za-z0-9+/=-]{20,200}$");
  private static final long QUARANTINE_NANOS = TimeUnit.SECONDS.toNanos(5);
  private static final int MAX_ATTEMPTS = 10;
  private static final Duration WAIT_FOR_UP = Duration.ofSeconds(75);
  private static final Duration WAIT_STEP = Duration.ofMillis(100);
  private static final long SMALL_RESPONSE = 64 * 1024;
  /** Headers the router sets itself. */
  private static final java.util.Set<String> REPLACED = java.util.Set.of("x-request-id", "x-forwarded-for",
      "x-forwarded-proto", "x-forwarded-port", "x-request-start", "via", "timeout-access");
  /** Hop-by-hop headers belong to the client's connection, not the dyno's (an h2c Upgrade above all). */
  private static final java.util.Set<String> HOP_BY_HOP = java.util.Set.of("connection", "upgrade", "keep-alive",
      "http2-settings", "proxy-connection", "te", "trailer", "transfer-encoding", "proxy-authenticate",
      "proxy-authorization");

  private final RoutingTable table;
  private final LogSink logs;
  private final Http http;
  private final Materializer materializer;
  private final ActorSystem<?> system;
  private final Duration firstByteTimeout;
  private final Duration idleTimeout;
  private final String domain;
  private final java.util.function.Consumer<String> wake;
  private final boolean random;

  public Router(ActorSystem<?> system, RoutingTable table, LogSink logs, Duration firstByteTimeout,
      Duration idleTimeout, String domain, boolean random, java.util.function.Consumer<String> wake) {
    this.random = random;
    this.system = system;
    this.table = table;
    this.logs = logs;
    this.http = Http.get(system);
    this.materializer = Materializer.matFromSystem(system);
    this.firstByteTimeout = firstByteTimeout;
    this.idleTimeout = idleTimeout;
    this.domain = domain;
    this.wake = wake;
  }

  /** A client's connection to the router; {@code closed} once the client has gone. */
  public static final class ClientConnection {
    volatile boolean closed;

    public void closed() {
      closed = true;
    }
  }

  /**
   * Serves one client connection: requests in order, and notices when the client goes away with a
   * request still in flight (H27), which a plain request handler cannot see.
   */
  public org.apache.pekko.stream.javadsl.Flow<HttpRequest, HttpResponse, org.apache.pekko.NotUsed> connection(
      boolean https, java.util.function.IntSupplier listenerPort) {
    ClientConnection client = new ClientConnection();
    return org.apache.pekko.stream.javadsl.Flow.of(HttpRequest.class)
        .watchTermination((mat, done) -> {
          SameThread.of(done).whenComplete((ok, error) -> client.closed());
          return mat;
        })
        .mapAsync(1, request -> handle(request, https, listenerPort.getAsInt(), client));
  }

  /** One request as it arrived on a listener ({@code https} for the TLS one). */
  private CompletionStage<HttpResponse> handle(HttpRequest request, boolean https, int listenerPort,
      ClientConnection client) {
    long start = System.nanoTime();
    String host = request.getHeader("Host").map(HttpHeader::value).orElse("");
    String requestId = request.getHeader("X-Request-Id").map(HttpHeader::value)
        .filter(id -> CLIENT_REQUEST_ID.matcher(id).matches()).orElseGet(() -> UUID.randomUUID().toString());
    String forwardedFor = forwardedFor(request);
    Exchange exchange = new Exchange(request, host, requestId, forwardedFor, https, listenerPort, start, client);
    Optional<AppRoute> app = table.appFor(host);
    if (app.isEmpty()) {
      request.discardEntityBytes(materializer);
      return CompletableFuture.completedStage(ErrorPages.noSuchApp(host, domain));
    }
    exchange.app = app.get();
    AppRoute route = app.get();
    if (route.maintenance()) {
      return fail(exchange, "H80", "Maintenance mode", 503, "info");
    }
    if (!route.deployed()) {
      return fail(exchange, "H81", "Blank app", 503, "info");
    }
    if (route.webQuantity() == 0) {
      return fail(exchange, "H14", "No web processes running", 503, "error");
    }
    table.touch(route.appId());
    if (table.idle(route.appId())) {
      wake.accept(route.appId());
    }
    return route(exchange, new ArrayList<>(), 0);
  }

  /** The state of one request through the router, for its log line. */
  private static final class Exchange {
    final HttpRequest request;
    final String host;
    final String requestId;
    final String forwardedFor;
    final boolean https;
    final int listenerPort;
    final long start;
    final ClientConnection client;
    AppRoute app;
    Backend backend;
    long connectNanos;

    Exchange(HttpRequest request, String host, String requestId, String forwardedFor, boolean https,
        int listenerPort, long start, ClientConnection client) {
      this.client = client;
      this.request = request;
      this.host = host;
      this.requestId = requestId;
      this.forwardedFor = forwardedFor;
      this.https = https;
      this.listenerPort = listenerPort;
      this.start = start;
    }
  }

  private CompletionStage<HttpResponse> route(Exchange ex, List<Backend> tried, int attempt) {
    Optional<Backend> choice = random && tried.isEmpty() ? table.pickRandom(ex.app.appId())
        : table.pick(ex.app.appId(), tried);
    if (choice.isEmpty()) {
      if (!tried.isEmpty()) {
        return fail(ex, "H21", "Backend connection refused", 503, "error");
      }
      if (table.allCrashed(ex.app.appId())) {
        return fail(ex, "H10", "App crashed", 503, "error");
      }
      return waitForUp(ex);
    }
    Backend backend = choice.get();
    ex.backend = backend;
    ex.connectNanos = System.nanoTime() - ex.start;
    if (ex.request.getAttribute(AttributeKeys.webSocketUpgrade).isPresent()) {
      return webSocket(ex, backend, ex.request.getAttribute(AttributeKeys.webSocketUpgrade).get());
    }
    backend.outstanding.incrementAndGet();
    HttpRequest upstream = upstreamRequest(ex, backend);
    CompletableFuture<HttpResponse> response = SameThread.of(http.singleRequest(upstream))
        .orTimeout(firstByteTimeout.toMillis(), TimeUnit.MILLISECONDS);
    return response.handle((resp, error) -> {
      if (error == null) {
        long length = resp.entity().getContentLengthOption().orElse(-1L);
        if (length >= 0 && length <= SMALL_RESPONSE) {
          // small answers are read whole (within the first-byte timeout), which frees the dyno's
          // connection at once; larger or open-ended ones stream through as they come
          return SameThread.of(resp.entity().toStrict(firstByteTimeout.toMillis(), materializer))
              .thenApply(strict -> stream(ex, backend, resp.withEntity(strict)));
        }
        return CompletableFuture.completedStage(stream(ex, backend, resp));
      }
      backend.outstanding.decrementAndGet();
      Throwable cause = unwrap(error);
      boolean replayable = ex.request.entity().isKnownEmpty() || ex.request.entity().isStrict();
      if (isConnectFailure(cause)) {
        RoutingTable.quarantine(backend, QUARANTINE_NANOS);
        if (replayable && attempt + 1 < MAX_ATTEMPTS) {
          tried.add(backend);
          return route(ex, tried, attempt + 1);
        }
        return fail(ex, "H21", "Backend connection refused", 503, "error");
      }
      if (cause instanceof TimeoutException) {
        return fail(ex, "H12", "Request timeout", 503, "error");
      }
      return fail(ex, "H13", "Connection closed without response", 503, "error");
    }).thenCompose(s -> s);
  }

  /** No dyno up yet (starting, or waking from idle): wait up to 75 s, then H20. */
  private CompletionStage<HttpResponse> waitForUp(Exchange ex) {
    long deadline = System.nanoTime() + WAIT_FOR_UP.toNanos();
    CompletableFuture<HttpResponse> result = new CompletableFuture<>();
    Runnable[] check = new Runnable[1];
    check[0] = () -> {
      if (table.pick(ex.app.appId(), List.of()).isPresent()) {
        route(ex, new ArrayList<>(), 0).whenComplete((r, e) -> {
          if (e != null) {
            result.completeExceptionally(e);
          } else {
            result.complete(r);
          }
        });
      } else if (table.idle(ex.app.appId()) && !ex.client.closed) {
        wake.accept(ex.app.appId());
        system.scheduler().scheduleOnce(WAIT_STEP, check[0], system.executionContext());
      } else if (ex.client.closed) {
        logClientGone(ex, 0);
        result.complete(HttpResponse.create().withStatus(499));
      } else if (System.nanoTime() > deadline || (!table.anyComing(ex.app.appId())
          && System.nanoTime() - ex.start > TimeUnit.SECONDS.toNanos(5))) {
        fail(ex, "H20", "App boot timeout", 503, "error").thenAccept(result::complete);
      } else {
        system.scheduler().scheduleOnce(WAIT_STEP, check[0], system.executionContext());
      }
    };
    check[0].run();
    return result;
  }

  private HttpRequest upstreamRequest(Exchange ex, Backend backend) {
    Uri uri = ex.request.getUri().scheme("http").host("127.0.0.1").port(backend.port);
    List<HttpHeader> headers = new ArrayList<>();
    for (HttpHeader h : ex.request.getHeaders()) {
      String name = h.lowercaseName();
      if (REPLACED.contains(name) || HOP_BY_HOP.contains(name)) {
        continue;
      }
      headers.add(h);
    }
    headers.add(RawHeader.create("X-Forwarded-For", ex.forwardedFor));
    headers.add(RawHeader.create("X-Forwarded-Proto", ex.https ? "https" : "http"));
    headers.add(RawHeader.create("X-Forwarded-Port", String.valueOf(ex.listenerPort)));
    headers.add(RawHeader.create("X-Request-Start", String.valueOf(System.currentTimeMillis())));
    headers.add(RawHeader.create("X-Request-Id", ex.requestId));
    headers.add(RawHeader.create("Via", ex.request.getHeader("Via").map(v -> v.value() + ", ").orElse("")
        + "1.1 skiff"));
    return HttpRequest.create().withMethod(ex.request.method()).withUri(uri).withProtocol(ex.request.protocol())
        .addHeaders(headers).withEntity(ex.request.entity().isKnownEmpty()
            ? org.apache.pekko.http.javadsl.model.HttpEntities.EMPTY : ex.request.entity());
  }

  /** Passes the response through as it comes, counting its bytes for the log line. */
  private HttpResponse stream(Exchange ex, Backend backend, HttpResponse response) {
    ResponseEntity entity = response.entity();
    int status = response.status().intValue();
    if (entity.isKnownEmpty() || entity.isStrict()) {
      // a whole answer: it is done (or the client gone) now
      backend.outstanding.decrementAndGet();
      logDone(ex, status, entity.getContentLengthOption().orElse(0L));
      return finish(ex, response);
    }
    AtomicLong bytes = new AtomicLong();
    Source<ByteString, ?> counted = entity.getDataBytes()
        .idleTimeout(idleTimeout)
        .map(chunk -> {
          bytes.addAndGet(chunk.size());
          return chunk;
        })
        .watchTermination((mat, done) -> {
          SameThread.of(done).whenComplete((ok, error) -> {
            backend.outstanding.decrementAndGet();
            if (error == null && bytes.get() < SMALL_RESPONSE) {
              logDone(ex, status, bytes.get());
            } else if (error == null) {
              logInfo(ex, status, bytes.get());
            } else if (unwrap(error) instanceof TimeoutException) {
              logError(ex, "H15", "Idle connection", status, bytes.get(), "error", "");
            } else if (isClientGone(error)) {
              logClientGone(ex, bytes.get());
            } else {
              logError(ex, "H18", "Server Request Interrupted", status, bytes.get(), "error", " sock=backend");
            }
          });
          return mat;
        });
    ResponseEntity passed = entity.getContentLengthOption().isPresent()
        ? org.apache.pekko.http.javadsl.model.HttpEntities.create(entity.getContentType(),
            entity.getContentLengthOption().getAsLong(), counted)
        : org.apache.pekko.http.javadsl.model.HttpEntities.createChunked(entity.getContentType(), counted);
    return finish(ex, response.withEntity(passed));
  }

  /** The answer went out, unless the client had already left (H27): small answers leave no trace then. */
  private void logDone(Exchange ex, int status, long bytes) {
    if (ex.client.closed) {
      logClientGone(ex, bytes);
    } else {
      logInfo(ex, status, bytes);
    }
  }

  private void logClientGone(Exchange ex, long bytes) {
    logError(ex, "H27", "Client Request Interrupted", 499, bytes, "warning", " sock=client");
  }

  /** Clients get HTTP/1.1 whatever the dyno spoke, without the dyno's hop-by-hop headers. */
  private static HttpResponse finish(Exchange ex, HttpResponse response) {
    return response.withProtocol(org.apache.pekko.http.javadsl.model.HttpProtocols.HTTP_1_1)
        .removeHeader("Connection")
        .removeHeader("Keep-Alive")
        .addHeader(RawHeader.create("Via", "1.1 skiff"))
        .addHeader(RawHeader.create("X-Request-Id", ex.requestId));
  }

  private CompletionStage<HttpResponse> webSocket(Exchange ex, Backend backend, WebSocketUpgrade upgrade) {
    String path = ex.request.getUri().path() + ex.request.getUri().rawQueryString().map(q -> "?" + q).orElse("");
    WebSocketRequest upstream = WebSocketRequest.create("ws://127.0.0.1:" + backend.port + path)
        .addHeader(RawHeader.create("X-Request-Id", ex.requestId))
        .addHeader(RawHeader.create("X-Forwarded-For", ex.forwardedFor))
        .addHeader(RawHeader.create("X-Forwarded-Proto", ex.https ? "https" : "http"));
    backend.outstanding.incrementAndGet();
    HttpResponse switched = upgrade.handleMessagesWith(http.webSocketClientFlow(upstream)
        .idleTimeout(idleTimeout)
        .watchTermination((mat, done) -> {
          SameThread.of(done).whenComplete((ok, error) -> backend.outstanding.decrementAndGet());
          return mat;
        }));
    logInfo(ex, 101, 0);
    return CompletableFuture.completedStage(switched);
  }

  private CompletionStage<HttpResponse> fail(Exchange ex, String code, String desc, int status, String level) {
    ex.request.discardEntityBytes(materializer);
    logError(ex, code, desc, status, 0, level, "");
    boolean maintenance = code.equals("H80");
    String custom = ex.app == null ? null : maintenance ? ex.app.maintenancePageUrl() : ex.app.errorPageUrl();
    return CompletableFuture.completedStage(ErrorPages.page(code, status, custom)
        .addHeader(RawHeader.create("X-Request-Id", ex.requestId)));
  }

  private void logInfo(Exchange ex, int status, long bytes) {
    log(ex, "at=info", status, bytes, "");
  }

  private void logError(Exchange ex, String code, String desc, int status, long bytes, String level, String extra) {
    log(ex, "at=" + level + " code=" + code + " desc=\"" + desc + "\"", status, bytes, extra);
  }

  private void log(Exchange ex, String head, int status, long bytes, String extra) {
    if (ex.app == null) {
      return;
    }
    long service = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - ex.start - ex.connectNanos);
    String path = ex.request.getUri().path() + ex.request.getUri().rawQueryString().map(q -> "?" + q).orElse("");
    logs.append(ex.app.appId(), "heroku", "router", head + " method=" + ex.request.method().value()
        + " path=\"" + path + "\" host=" + ex.host + " request_id=" + ex.requestId + " fwd=\"" + ex.forwardedFor
        + "\" dyno=" + (ex.backend == null ? "" : ex.backend.dyno()) + " connect="
        + (ex.backend == null ? "" : TimeUnit.NANOSECONDS.toMillis(ex.connectNanos) + "ms") + " service="
        + (ex.backend == null ? "" : service + "ms") + " status=" + status + " bytes=" + bytes
        + " protocol=" + (ex.https ? "https" : "http") + extra);
  }

  /** The client's address appended to any X-Forwarded-For it sent, as Heroku does. */
  private static String forwardedFor(HttpRequest request) {
    String client = request.getAttribute(AttributeKeys.remoteAddress)
        .flatMap(RemoteAddress::getAddress).map(a -> a.getHostAddress()).orElse("unknown");
    return request.getHeader("X-Forwarded-For").map(h -> h.value() + ", " + client).orElse(client);
  }

  private static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof java.util.concurrent.ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  private static boolean isConnectFailure(Throwable t) {
    String text = String.valueOf(t.getMessage());
    return t instanceof java.net.ConnectException || text.contains("Connection refused")
        || text.contains("Tcp command [Connect(") || text.contains("connect");
  }

  private static boolean isClientGone(Throwable t) {
    String name = unwrap(t).getClass().getSimpleName();
    return name.contains("AbruptStageTermination") || name.contains("SubscriptionWithCancelException")
        || name.contains("Cancel") || String.valueOf(unwrap(t).getMessage()).contains("cancel");
  }
}
