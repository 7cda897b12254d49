package skiff.http.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import skiff.actors.Cause;

/** One authenticated API request as an endpoint sees it: path parameters, body, caller and request id. */
public record ApiCall(HttpRequest request, Map<String, String> params, String body, Account account, String requestId,
    String token) {

  public String param(String name) {
    return params.get(name);
  }

  public String app() {
    return params.get("app");
  }

  public Optional<String> header(String name) {
    return request.getHeader(name).map(h -> h.value());
  }

  public Optional<String> query(String name) {
    return request.getUri().query().get(name);
  }

  /**
   * The scheme, host and port this client reached the API at, for the URLs handed back to it (log
   * sessions, build output, source uploads): a client on HTTPS or behind another name gets URLs
   * it can use. Without a Host header, the configured base.
   */
  public String base(PublicUrls urls) {
    // behind a TLS-terminating proxy, what the client used is in the proxy's X-Forwarded headers;
    // they only shape URLs handed back to this same client
    Optional<String> forwardedHost = header("X-Forwarded-Host").map(h -> h.split(",")[0].trim())
        .filter(h -> h.matches("[A-Za-z0-9.:\\[\\]-]+"));
    Optional<String> forwardedProto = header("X-Forwarded-Proto").map(p -> p.split(",")[0].trim().toLowerCase())
        .filter(p -> p.equals("http") || p.equals("https"));
    var uri = request.getUri();
    String host = uri.host().address();
    if (forwardedHost.isEmpty() && (host == null || host.isEmpty())) {
      return urls.apiBase();
    }
    String scheme = forwardedProto.orElse(uri.scheme());
    if (forwardedHost.isPresent()) {
      return scheme + "://" + forwardedHost.get();
    }
    int port = uri.port();
    return scheme + "://" + (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host)
        + (port > 0 ? ":" + port : "");
  }

  /** Who is acting, for the events this call causes. */
  public Cause cause() {
    return new Cause(account.email(), Instant.now(), requestId);
  }

  /** The JSON body, or an empty object when there is none. */
  public JsonNode json() {
    if (body == null || body.isBlank()) {
      return Representations.JSON.createObjectNode();
    }
    try {
      JsonNode node = Representations.JSON.readTree(body);
      return node == null ? NullNode.getInstance() : node;
    } catch (Exception e) {
      throw ApiError.badRequest("The request body is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
    }
  }

  public JsonNode jsonObject() {
    JsonNode node = json();
    if (!node.isObject()) {
      throw ApiError.badRequest("The request body must be a JSON object.");
    }
    return node;
  }
}
