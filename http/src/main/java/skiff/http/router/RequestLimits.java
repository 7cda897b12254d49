package skiff.http.router;

import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.AsciiString;
import java.util.Iterator;
import java.util.Map;

/**
 * Heroku's limits on a request head: a request line or a header line over 8192 bytes, a header
 * name over 1000 bytes, more than 1000 headers, no {@code Host} or more than one get 400 Bad
 * Request. Netty's decoder enforces the request line; it knows only a total for the headers, so
 * the per-header limits are checked here. Two {@code Host} headers are refused rather than one of
 * them believed, as Heroku's router has since 2016: the app and a cache in front of it could each
 * read a different one.
 */
final class RequestLimits {
  static final int MAX_LINE = 8192;
  static final int MAX_NAME = 1000;
  static final int MAX_HEADERS = 1000;

  private RequestLimits() {}

  static HttpDecoderConfig decoderConfig() {
    return new HttpDecoderConfig()
        .setMaxInitialLineLength(MAX_LINE)
        // the most that 1000 header lines of 8192 bytes can take; each line is checked below
        .setMaxHeaderSize(MAX_HEADERS * (MAX_LINE + 2))
        .setMaxChunkSize(64 * 1024)
        .setValidateHeaders(true);
  }

  /** Why the request breaks a limit or could not be parsed, or {@code null} when it is fine. */
  static String violation(HttpRequest request) {
    if (request.decoderResult().isFailure()) {
      return String.valueOf(request.decoderResult().cause().getMessage());
    }
    if (request.headers().size() > MAX_HEADERS) {
      return "more than " + MAX_HEADERS + " headers";
    }
    int hosts = 0;
    Iterator<Map.Entry<CharSequence, CharSequence>> headers = request.headers().iteratorCharSequence();
    while (headers.hasNext()) {
      Map.Entry<CharSequence, CharSequence> h = headers.next();
      if (h.getKey().length() == 4 && AsciiString.contentEqualsIgnoreCase(h.getKey(), HttpHeaderNames.HOST)
          && ++hosts > 1) {
        return "more than one Host header: send one";
      }
      if (h.getKey().length() > MAX_NAME) {
        return "a header name is longer than " + MAX_NAME + " bytes";
      }
      if (h.getKey().length() + 2 + h.getValue().length() > MAX_LINE) {
        return "a header line is longer than " + MAX_LINE + " bytes";
      }
    }
    return hosts == 0 ? "no Host header: send the app's host name in one" : null;
  }
}
