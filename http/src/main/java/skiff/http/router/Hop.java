package skiff.http.router;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * A request for a web dyno on another node goes to that node's router, which passes it to the
 * process its {@code X-Skiff-Hop-Target} names (app id, dyno, port) and nothing else: the first
 * router has already chosen the dyno, rewritten the headers and will write the log line. A dyno's
 * own network is only reachable from its node (it lives in that node's namespaces), so the node's
 * router is the one door to it, and the hop needs no port or listener of its own.
 *
 * <p>The hop is trusted only with the cluster's hop secret (derived from the master key every node
 * shares): from anyone else the headers are dropped and the request is routed as any other. When
 * the named process is not there (stopped, or never seen by that node) the answer is a bare 503
 * with {@code X-Skiff-Hop-Miss}, which the first router treats as a refused connection: nothing
 * reached a dyno. An H-code the hop router gives (H12, H13, …) comes back with {@code
 * X-Skiff-Router-Code} so that the first router's log line names it.
 */
final class Hop {
  static final AsciiString SECRET = AsciiString.cached("X-Skiff-Hop");
  static final AsciiString TARGET = AsciiString.cached("X-Skiff-Hop-Target");
  static final AsciiString MISS = AsciiString.cached("X-Skiff-Hop-Miss");
  static final AsciiString CODE = AsciiString.cached("X-Skiff-Router-Code");

  private Hop() {}

  /** How a hop names a process: {@code APP_ID DYNO PORT}. */
  static String target(String appId, String dyno, int port) {
    return appId + " " + dyno + " " + port;
  }

  /** Whether {@code presented} is the cluster's hop secret (compared in constant time). */
  static boolean trusted(String presented, byte[] secret) {
    return presented != null && secret != null && secret.length > 0
        && MessageDigest.isEqual(presented.getBytes(StandardCharsets.US_ASCII), secret);
  }

  /** The answer to a hop whose process is not on this node. */
  static FullHttpResponse miss(ByteBufAllocator alloc) {
    FullHttpResponse miss = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SERVICE_UNAVAILABLE,
        alloc.buffer(0));
    miss.headers().set(MISS, "1").set(HttpHeaderNames.CONTENT_LENGTH, 0)
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    return miss;
  }
}
