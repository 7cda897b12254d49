package skiff.http.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.pattern.AskTimeoutException;
import org.apache.pekko.stream.Materializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import skiff.actors.accounts.AccountService;
import skiff.actors.apps.AppService;

/**
 * The Heroku Platform API v3 as Skiff serves it: authenticates the caller, finds the endpoint,
 * and answers JSON with a {@code Request-Id} on every response and Heroku's error shape on failure.
 */
public final class PlatformApi {
  private static final Logger log = LoggerFactory.getLogger(PlatformApi.class);
  private static final long MAX_BODY_BYTES = 1024 * 1024;
  private static final Duration BODY_TIMEOUT = Duration.ofSeconds(10);

  private final ApiRoutes routes = new ApiRoutes();
  private final Authenticator authenticator;
  private final AppGuard guard;
  private final Materializer materializer;

  public PlatformApi(ActorSystem<?> system, AppService apps, AccountService accounts, AppGuard guard,
      Authenticator authenticator, PublicUrls urls,
      java.util.function.Supplier<java.util.concurrent.CompletionStage<Long>> clusterRoom) {
    this.authenticator = authenticator;
    this.guard = guard;
    this.materializer = Materializer.matFromSystem(system);
    Representations json = new Representations(urls);
    new AccountEndpoints(accounts, json).register(routes);
    new OAuthEndpoints(accounts).register(routes);
    new TeamEndpoints(apps, accounts, guard, json).register(routes);
    new AppEndpoints(apps, accounts, guard, json).register(routes);
    new ReleaseEndpoints(apps, json).register(routes);
    new FormationEndpoints(apps, json, clusterRoom).register(routes);
  }

  /** Lets later parts of the platform (git, logs, dynos) add their endpoints under the same rules. */
  public ApiRoutes routes() {
    return routes;
  }

  public CompletionStage<HttpResponse> handle(HttpRequest request) {
    String requestId = UUID.randomUUID().toString();
    String path = request.getUri().path();
    String method = effectiveMethod(request);
    CompletionStage<ApiResponse> answer;
    try {
      answer = dispatch(request, method, path, requestId);
    } catch (RuntimeException e) {
      answer = CompletableFuture.failedStage(e);
    }
    return answer
        .exceptionally(PlatformApi::errorResponse)
        .thenApply(response -> toHttp(response, requestId, request));
  }

  private CompletionStage<ApiResponse> dispatch(HttpRequest request, String method, String path, String requestId) {
    Optional<String> token = credentials(request);
    Optional<Account> account = token.flatMap(authenticator::accountFor);
    // the one call made with an email and password instead of a token: logging in
    boolean loggingIn = account.isEmpty() && method.equals("POST") && path.equals("/oauth/authorizations")
        && basicLogin(request).isPresent();
    if (account.isEmpty() && !loggingIn) {
      request.discardEntityBytes(materializer);
      throw ApiError.unauthorized();
    }
    Optional<ApiRoutes.Match> match = routes.match(method, path);
    if (match.isEmpty()) {
      request.discardEntityBytes(materializer);
      if (routes.knowsPath(path)) {
        throw new ApiError(405, "method_not_allowed", method + " is not supported for " + path + ".");
      }
      throw ApiError.notFound("The requested API endpoint was not found. Are you using the right HTTP verb"
          + " (" + method + " " + path + ")?");
    }
    if (request.entity().getContentLengthOption().orElse(0L) > MAX_BODY_BYTES) {
      request.discardEntityBytes(materializer);
      throw new ApiError(413, "request_entity_too_large", "The request body is larger than 1 MB.");
    }
    // a chunked body has no length to check up front: it is read to its end, keeping the first 1 MB,
    // so a body over the limit is answered 413 once the client has sent it (cutting the stream
    // would close the connection with the rest unread, and the reset could lose the answer); the
    // server's own max-content-length still ends a hostile endless one
    return request.entity().getDataBytes().completionTimeout(BODY_TIMEOUT)
        .runFold(new BoundedBody(), BoundedBody::add, materializer)
        .handle((body, error) -> {
          if (error != null) {
            for (Throwable t = error; t != null; t = t.getCause()) {
              if (t instanceof org.apache.pekko.http.scaladsl.model.EntityStreamSizeException) {
                throw new ApiError(413, "request_entity_too_large", "The request body is larger than 1 MB.");
              }
            }
            throw error instanceof RuntimeException re ? re : new java.util.concurrent.CompletionException(error);
          }
          if (body.over) {
            throw new ApiError(413, "request_entity_too_large", "The request body is larger than 1 MB.");
          }
          return body.bytes;
        })
        .thenCompose(bytes -> {
          ApiCall call = new ApiCall(request, match.get().params(), bytes.utf8String(),
              account.orElse(null), requestId, token.orElse(null));
          if (call.account() == null) {
            return match.get().endpoint().handle(call);
          }
          logCall(method, path, requestId, request, account.get());
          return allowed(call, RouteAccess.of(method, match.get().template()))
              .thenCompose(ok -> match.get().endpoint().handle(call));
        });
  }

  /** A request body read to its end, kept up to {@link #MAX_BODY_BYTES}; {@code over} once it went past. */
  private static final class BoundedBody {
    org.apache.pekko.util.ByteString bytes = org.apache.pekko.util.ByteString.emptyByteString();
    boolean over;

    BoundedBody add(org.apache.pekko.util.ByteString chunk) {
      if (!over && bytes.size() + chunk.size() <= MAX_BODY_BYTES) {
        bytes = bytes.concat(chunk);
      } else {
        over = true;
        bytes = org.apache.pekko.util.ByteString.emptyByteString();
      }
      return this;
    }
  }

  /** Whether the caller may use the route at all, before its endpoint runs (see RouteAccess). */
  private CompletionStage<Void> allowed(ApiCall call, RouteAccess access) {
    return switch (access.kind()) {
      case SIGNED_IN -> CompletableFuture.completedStage(null);
      case ADMIN -> {
        if (!call.account().admin()) {
          throw new ApiError(403, "forbidden", "Only admins may use " + call.request().getUri().path() + ".");
        }
        yield CompletableFuture.completedStage(null);
      }
      case APP -> revealing(call) && access.permission() == skiff.actors.accounts.Permission.VIEW
          ? guard.withConfig(call.app(), call.account()).thenApply(app -> null)
          : guard.find(call.app(), call.account(), access.permission()).thenApply(app -> null);
      case CONFIG -> guard.withConfig(call.app(), call.account()).thenApply(app -> null);
      case OWNER -> guard.owned(call.app(), call.account()).thenApply(app -> null);
    };
  }

  /** Config values shown in the clear (events, state) need what reading config vars needs. */
  private static boolean revealing(ApiCall call) {
    return call.query("reveal").map("true"::equals).orElse(false);
  }

  /** Email and password from {@code Authorization: Basic}, as {@code heroku login -i} sends them. */
  static Optional<String[]> basicLogin(HttpRequest request) {
    return request.getHeader("Authorization").map(HttpHeader::value).map(String::trim)
        .filter(v -> v.regionMatches(true, 0, "Basic ", 0, 6))
        .flatMap(v -> {
          try {
            String decoded = new String(Base64.getDecoder().decode(v.substring(6).trim()), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            return colon > 0 && decoded.substring(0, colon).contains("@")
                ? Optional.of(new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)})
                : Optional.empty();
          } catch (IllegalArgumentException notBase64) {
            return Optional.empty();
          }
        });
  }

  private static void logCall(String method, String path, String requestId, HttpRequest request, Account account) {
    if (log.isDebugEnabled()) {
      String clientIds = request.getHeader("Request-Id").map(HttpHeader::value).orElse("");
      log.debug("{} {} by {} request_id={} client_request_id={}", method, path, account.email(), requestId,
          clientIds.split(",")[0].trim());
    }
  }

  /** Clients without PATCH or DELETE may tunnel them, as Heroku allows. */
  private static String effectiveMethod(HttpRequest request) {
    String method = request.method().value();
    if (method.equals("POST")) {
      return request.getHeader("X-Http-Method-Override").map(h -> h.value().toUpperCase()).orElse(method);
    }
    return method;
  }

  /** The token from {@code Authorization: Bearer T} or from Basic auth (any user, token as password). */
  public static Optional<String> credentials(HttpRequest request) {
    Optional<String> header = request.getHeader("Authorization").map(HttpHeader::value);
    if (header.isEmpty()) {
      return Optional.empty();
    }
    String value = header.get().trim();
    if (value.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Optional.of(value.substring(7).trim()).filter(t -> !t.isEmpty());
    }
    if (value.regionMatches(true, 0, "Basic ", 0, 6)) {
      try {
        String decoded = new String(Base64.getDecoder().decode(value.substring(6).trim()), StandardCharsets.UTF_8);
        int colon = decoded.indexOf(':');
        return Optional.of(colon < 0 ? decoded : decoded.substring(colon + 1)).filter(t -> !t.isEmpty());
      } catch (IllegalArgumentException notBase64) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  static ApiResponse errorResponse(Throwable failure) {
    Throwable t = failure;
    while ((t instanceof CompletionException || t instanceof java.util.concurrent.ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof ApiError e) {
      return new ApiResponse(e.status(), Representations.error(e.id(), e.getMessage()), Map.of());
    }
    var rejection = AppService.rejectionOf(t);
    if (rejection.isPresent()) {
      ApiError e = ApiError.of(rejection.get());
      return new ApiResponse(e.status(), Representations.error(e.id(), e.getMessage()), Map.of());
    }
    if (t instanceof AskTimeoutException || t instanceof TimeoutException) {
      return new ApiResponse(503, Representations.error("unavailable",
          "The platform did not answer in time. Try again in a moment; if it persists, check the server's log."),
          Map.of());
    }
    log.error("API request failed", t);
    return new ApiResponse(500, Representations.error("internal_server_error",
        "Internal server error: " + t.getClass().getSimpleName() + ". The server's log has the details."), Map.of());
  }

  private static HttpResponse toHttp(ApiResponse response, String requestId, HttpRequest request) {
    List<HttpHeader> headers = new ArrayList<>();
    headers.add(RawHeader.create("Request-Id", requestId));
    headers.add(RawHeader.create("RateLimit-Remaining", "4500"));
    response.headers().forEach((k, v) -> headers.add(RawHeader.create(k, v)));
    return HttpResponse.create()
        .withStatus(StatusCodes.get(response.status()))
        .withEntity(response.streamed() != null
            ? HttpEntities.createChunked(response.streamed().type(), response.streamed().bytes())
            : HttpEntities.create(ContentTypes.APPLICATION_JSON, json(response.body())))
        .addHeaders(headers);
  }

  private static byte[] json(JsonNode body) {
    try {
      return Representations.JSON.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** For endpoints: a JSON body field as text, or null. */
  static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : value.asText();
  }
}
