package skiff.http.router;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.util.List;

/**
 * Heroku's headers, rewritten in place on the parsed head (no copy of the request or response):
 * {@code X-Forwarded-For/Proto/Port}, {@code X-Request-Start}, {@code X-Request-Id}, {@code Via};
 * hop-by-hop headers belong to one connection and are not passed on, except a WebSocket upgrade's.
 */
final class Forwarding {
  private static final AsciiString X_FORWARDED_FOR = AsciiString.cached("X-Forwarded-For");
  private static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("X-Forwarded-Proto");
  private static final AsciiString X_FORWARDED_PORT = AsciiString.cached("X-Forwarded-Port");
  private static final AsciiString X_REQUEST_START = AsciiString.cached("X-Request-Start");
  static final AsciiString X_REQUEST_ID = AsciiString.cached("X-Request-Id");
  static final AsciiString VIA = AsciiString.cached("Via");
  private static final AsciiString VIA_SKIFF = AsciiString.cached("1.1 skiff");
  /** Transfer-Encoding is not among them: Netty re-frames the body by it. */
  private static final List<AsciiString> HOP_BY_HOP = List.of(HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE,
      HttpHeaderNames.PROXY_CONNECTION, HttpHeaderNames.TE, HttpHeaderNames.TRAILER, HttpHeaderNames.UPGRADE,
      AsciiString.cached("HTTP2-Settings"), HttpHeaderNames.PROXY_AUTHENTICATE, HttpHeaderNames.PROXY_AUTHORIZATION);

  private Forwarding() {}

  /** Whether the request asks to switch to WebSocket (passed through as raw bytes once the dyno agrees). */
  static boolean isWebSocketUpgrade(HttpRequest request) {
    // the cheap test first: containsValue splits comma-separated values
    return request.headers().contains(HttpHeaderNames.UPGRADE)
        && request.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)
        && request.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
  }

  static void toDyno(HttpRequest request, String requestId, String forwardedFor, boolean https, String listenerPort,
      boolean webSocket) {
    HttpHeaders h = request.headers();
    String via = h.get(HttpHeaderNames.VIA);
    String upgrade = webSocket ? h.get(HttpHeaderNames.UPGRADE) : null;
    removeHopByHop(h);
    if (webSocket) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE).set(HttpHeaderNames.UPGRADE, upgrade);
    }
    h.set(X_FORWARDED_FOR, forwardedFor)
        .set(X_FORWARDED_PROTO, https ? "https" : "http")
        .set(X_FORWARDED_PORT, listenerPort)
        .set(X_REQUEST_START, System.currentTimeMillis())
        .set(X_REQUEST_ID, requestId)
        .set(VIA, via == null ? VIA_SKIFF : via + ", 1.1 skiff");
    String uri = request.uri();
    if (!uri.startsWith("/") && uri.contains("://")) {
      // absolute-form (a client that thinks it talks to a proxy): the dyno gets origin-form
      int path = uri.indexOf('/', uri.indexOf("://") + 3);
      request.setUri(path < 0 ? "/" : uri.substring(path));
    }
    // the dyno's connection is ours and kept alive, whatever the client spoke
    request.setProtocolVersion(HttpVersion.HTTP_1_1);
  }

  /**
   * The dyno's response as the client gets it: HTTP/1.1, without the dyno's connection headers,
   * with {@code Via} and the request id; a body of unknown length is chunked for a client that
   * keeps its connection (else it ends with the connection).
   */
  static void toClient(HttpResponse response, String requestId, boolean headRequest, boolean keepClient) {
    HttpHeaders h = response.headers();
    removeHopByHop(h);
    h.add(VIA, VIA_SKIFF).set(X_REQUEST_ID, requestId);
    response.setProtocolVersion(HttpVersion.HTTP_1_1);
    int code = response.status().code();
    boolean bodyless = headRequest || code == 204 || code == 304 || code < 200;
    if (!bodyless && !HttpUtil.isContentLengthSet(response) && !HttpUtil.isTransferEncodingChunked(response)
        && keepClient) {
      HttpUtil.setTransferEncodingChunked(response, true);
    }
    if (!keepClient) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
  }

  private static void removeHopByHop(HttpHeaders h) {
    String connection = h.get(HttpHeaderNames.CONNECTION);
    if (connection != null && !connection.equalsIgnoreCase("keep-alive") && !connection.equalsIgnoreCase("close")) {
      for (String token : connection.split(",")) {
        String name = token.trim();
        if (!name.isEmpty() && !name.equalsIgnoreCase("close") && !name.equalsIgnoreCase("keep-alive")) {
          h.remove(name);
        }
      }
    }
    for (AsciiString name : HOP_BY_HOP) {
      h.remove(name);
    }
  }
}
