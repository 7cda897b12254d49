package skiff.http.router;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One request through the router, from its head to its log line, on the client connection's event
 * loop (the dyno connection is on the same loop, so nothing here is shared between threads).
 *
 * <p>Every way a request can end — answered, an H-code, the client gone — goes through {@link #end},
 * the one place that gives the dyno's outstanding count back, frees or closes the dyno connection
 * and writes the log line; it runs once. A request is sent again only when it cannot have reached
 * a dyno (the connection was refused or timed out), or when it has no body and an idempotent method
 * and the dyno closed the connection without answering.
 *
 * <p>Writes go without a promise of their own (the void promise): a failed write reaches the
 * connection's handler as an exception, which closes it, and the close ends the exchange.
 */
final class Exchange implements Deadlines.Timed {
  private static final long QUARANTINE_NANOS = TimeUnit.SECONDS.toNanos(5);
  private static final int MAX_ATTEMPTS = 10;
  private static final long WAIT_FOR_UP_NANOS = TimeUnit.SECONDS.toNanos(75);
  private static final long NOTHING_COMING_NANOS = TimeUnit.SECONDS.toNanos(5);
  private static final long WAIT_STEP_MILLIS = 100;
  private static final long HOP_WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);
  /** Request body held while the dyno connection opens; past this much the client is not read. */
  private static final int PENDING_CHUNKS = 16;
  private static final Set<HttpMethod> IDEMPOTENT = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS,
      HttpMethod.TRACE, HttpMethod.PUT, HttpMethod.DELETE);

  private final Router router;
  private final ClientHandler client;
  private final ChannelHandlerContext ctx;
  private final HttpRequest request;
  private final boolean https;
  private final long start = System.nanoTime();
  private final String method;
  private final String path;
  private final String host;
  private final String requestId;
  private final String forwardedFor;
  private final boolean keepClient;
  private final boolean headRequest;
  private final boolean webSocket;
  /** No body and an idempotent method: the request may be sent again after reaching a dyno. */
  private final boolean replayable;
  /** No body: the request may be sent again when it surely reached no dyno (a hop's miss). */
  private final boolean bodyless;

  private AppRoute route;
  private Backend backend;
  private List<Backend> tried;
  private int attempts;
  private String connectFailure;
  private Channel upstream;
  private UpstreamHandler upstreamHandler;
  private final ArrayDeque<HttpContent> pendingBody = new ArrayDeque<>(2);

  private boolean requestComplete;
  private boolean written;
  private boolean requestSent;
  private long requestSentAt;
  private boolean headReceived;
  private boolean informational;
  private boolean tunnelling;
  private boolean responseComplete;
  private boolean dynoKeepsAlive;
  private int status;
  private long bytes;
  private long connectNanos;
  private long lastActivity = start;
  private Deadlines deadlines;
  private boolean ended;
  /** This request came from another node's router for one process of this node ({@link Hop}). */
  private boolean hopped;
  /** The hop headers are on the request (it went to another node's router last). */
  private boolean hopHeaders;
  /** The H-code another node's router answered this request with, for the log line. */
  private String hopCode;

  Exchange(Router router, ClientHandler client, ChannelHandlerContext ctx, HttpRequest request, boolean https,
      String clientAddress) {
    this.router = router;
    this.client = client;
    this.ctx = ctx;
    this.request = request;
    this.https = https;
    this.method = request.method().name();
    this.path = request.uri();
    this.host = request.headers().get(HttpHeaderNames.HOST, "");
    this.requestId = RequestIds.keepOrCreate(request.headers().get(Forwarding.X_REQUEST_ID));
    String forwarded = request.headers().get("X-Forwarded-For");
    this.forwardedFor = forwarded == null ? clientAddress : forwarded + ", " + clientAddress;
    this.keepClient = HttpUtil.isKeepAlive(request);
    this.headRequest = request.method().equals(HttpMethod.HEAD);
    this.webSocket = Forwarding.isWebSocketUpgrade(request);
    this.bodyless = !HttpUtil.isTransferEncodingChunked(request) && HttpUtil.getContentLength(request, 0L) == 0;
    this.replayable = bodyless && IDEMPOTENT.contains(request.method());
  }

  boolean tunnelling() {
    return tunnelling;
  }

  /** Whether the client's next message belongs to this request (its body), not to the next one. */
  boolean awaitsBody() {
    return !requestComplete;
  }

  // ---- routing ---------------------------------------------------------------------------------

  void start() {
    if (request.headers().contains(Hop.SECRET) || request.headers().contains(Hop.TARGET)) {
      String secret = request.headers().get(Hop.SECRET);
      String target = request.headers().get(Hop.TARGET);
      request.headers().remove(Hop.SECRET).remove(Hop.TARGET);
      if (Hop.trusted(secret, router.settings().hopSecret())) {
        startHop(target);
        return;
      }
      // not from a router of this cluster: routed as any other request, without the headers
    }
    route = router.table().snapshot().appFor(host);
    if (route == null) {
      answer(ErrorPages.noSuchApp(ctx.alloc(), host, router.settings().domain()));
      end(null, null, "info", 404, null);
      return;
    }
    AppEntry app = route.app();
    if (app.maintenance()) {
      fail("H80", "Maintenance mode", 503, "info");
    } else if (!app.deployed()) {
      fail("H81", "Blank app", 503, "info");
    } else if (app.webQuantity() == 0) {
      fail("H14", "No web processes running", 503, "error");
    } else {
      Forwarding.toDyno(request, requestId, forwardedFor, https, client.listenerPort(), webSocket);
      if (webSocket) {
        // nothing more is read from the client until the dyno has agreed to switch protocols
        ctx.channel().config().setAutoRead(false);
      }
      route.activity().touch(start);
      if (route.idle()) {
        router.settings().wake().accept(app.appId());
      }
      dispatch();
    }
  }

  /**
   * Another node's router chose {@code target}, a process of this node, and has done the rest:
   * the request goes to that process alone, as it is, and the log line is the other router's.
   */
  private void startHop(String target) {
    hopped = true;
    if (target == null || target.indexOf(' ') < 0) {
      missHop();
      return;
    }
    findHop(target, System.nanoTime());
  }

  /**
   * The process a hop names, once this node has heard of it: the first router may have heard of a
   * new process a moment before this one (it lives where the dyno's entity wrote it), so a process
   * not known yet is looked for again for up to {@link #HOP_WAIT_NANOS} before the answer is a miss.
   */
  private void findHop(String target, long since) {
    if (ended) {
      return;
    }
    RoutingSnapshot snapshot = router.table().snapshot();
    Backend process = snapshot.processes().get(target);
    if (process == null && System.nanoTime() - since < HOP_WAIT_NANOS) {
      ctx.executor().schedule(() -> findHop(target, since), 10, TimeUnit.MILLISECONDS);
      return;
    }
    if (process == null) {
      missHop();
      return;
    }
    route = snapshot.byId().get(target.substring(0, target.indexOf(' ')));
    if (route != null) {
      route.activity().touch(start);
    }
    if (webSocket) {
      ctx.channel().config().setAutoRead(false);
    }
    send(process);
  }

  /** A hop for a process this node does not have (any more): the other router chooses again. */
  private void missHop() {
    ctx.writeAndFlush(Hop.miss(ctx.alloc())).addListener(ChannelFutureListener.CLOSE);
    end(null, null, "info", 503, null);
  }

  private void dispatch() {
    Backend choice = router.settings().random() && attempts == 0 ? route.pickRandom()
        : route.pick(tried == null ? List.of() : tried);
    if (choice == null) {
      if (connectFailure != null) {
        fail(connectFailure, connectFailure.equals("H19") ? "Backend connection timeout"
            : "Backend connection refused", 503, "error");
      } else if (route.allCrashed()) {
        fail("H10", "App crashed", 503, "error");
      } else {
        waitForUp();
      }
      return;
    }
    send(choice);
  }

  private void send(Backend choice) {
    if (backend != choice) {
      if (backend != null) {
        backend.finish();
      }
      backend = choice;
      choice.begin();
    }
    attempts++;
    if (deadlines == null) {
      deadlines = Deadlines.of(ctx.channel().eventLoop());
      deadlines.add(this);
    }
    ChannelFuture connecting = router.pool().acquire(choice, ctx.channel().eventLoop(), webSocket);
    if (connecting.isDone()) {
      connected(connecting, choice);
    } else {
      connecting.addListener(f -> connected(connecting, choice));
    }
  }

  private void connected(ChannelFuture connecting, Backend target) {
    if (ended) {
      if (connecting.isSuccess()) {
        connecting.channel().close();
      }
      return;
    }
    if (!connecting.isSuccess() && hopped) {
      missHop();
      return;
    }
    if (!connecting.isSuccess()) {
      // nothing was sent: another dyno may take it
      target.quarantine(QUARANTINE_NANOS);
      connectFailure = connecting.cause() instanceof ConnectTimeoutException ? "H19" : "H21";
      exclude(target);
      if (attempts < MAX_ATTEMPTS) {
        dispatch();
      } else {
        fail(connectFailure, connectFailure.equals("H19") ? "Backend connection timeout"
            : "Backend connection refused", 503, "error");
      }
      return;
    }
    upstream = connecting.channel();
    upstreamHandler = (UpstreamHandler) upstream.pipeline().last();
    upstreamHandler.attach(this);
    connectNanos = System.nanoTime() - start;
    if (target.hopTarget() != null) {
      request.headers().set(Hop.SECRET, router.hopHeader()).set(Hop.TARGET, target.hopTarget());
      hopHeaders = true;
    } else if (hopHeaders) {
      request.headers().remove(Hop.SECRET).remove(Hop.TARGET);
      hopHeaders = false;
    }
    upstream.write(request, upstream.voidPromise());
    if (written && bodyless) {
      // sent again: the (empty) body went with the first attempt
      upstream.write(LastHttpContent.EMPTY_LAST_CONTENT, upstream.voidPromise());
    }
    written = true;
    for (HttpContent chunk; (chunk = pendingBody.poll()) != null; ) {
      sendBody(chunk);
    }
    if (!client.reading()) {
      upstream.flush();
    }
    if (!webSocket) {
      ctx.channel().config().setAutoRead(upstream.isWritable());
    }
  }

  private void exclude(Backend target) {
    if (tried == null) {
      tried = new ArrayList<>(2);
    }
    tried.add(target);
  }

  /** No dyno may take requests yet (starting, or waking from idle): wait up to 75 s, then H20. */
  private void waitForUp() {
    ctx.executor().schedule(() -> {
      if (ended) {
        return;
      }
      AppRoute now = router.table().snapshot().byId().get(route.app().appId());
      long waited = System.nanoTime() - start;
      if (now != null && now.pick(List.of()) != null) {
        route = now;
        dispatch();
      } else if (now != null && now.idle()) {
        router.settings().wake().accept(now.app().appId());
        waitForUp();
      } else if (now == null || waited > WAIT_FOR_UP_NANOS || (!now.anyComing() && waited > NOTHING_COMING_NANOS)) {
        fail("H20", "App boot timeout", 503, "error");
      } else {
        waitForUp();
      }
    }, WAIT_STEP_MILLIS, TimeUnit.MILLISECONDS);
  }

  // ---- the client's side -----------------------------------------------------------------------

  /** A piece of the request body from the client. */
  void clientContent(HttpContent chunk) {
    boolean last = chunk instanceof LastHttpContent;
    if (last) {
      requestComplete = true;
    }
    lastActivity = System.nanoTime();
    if (ended) {
      chunk.release();
      if (last) {
        client.settled(this);
      }
    } else if (written) {
      // flushed when the client's read is complete (flushUpstream)
      sendBody(chunk);
      if (!upstream.isWritable()) {
        ctx.channel().config().setAutoRead(false);
      }
    } else {
      pendingBody.add(chunk);
      if (pendingBody.size() > PENDING_CHUNKS) {
        ctx.channel().config().setAutoRead(false);
      }
    }
  }

  void flushUpstream() {
    if (upstream != null) {
      upstream.flush();
    }
  }

  private void sendBody(HttpContent chunk) {
    if (chunk instanceof LastHttpContent) {
      requestSent = true;
      requestSentAt = System.nanoTime();
    }
    upstream.write(chunk, upstream.voidPromise());
  }

  /** Raw bytes from the client once a WebSocket has been switched to. */
  void clientBytes(ByteBuf bytesIn) {
    lastActivity = System.nanoTime();
    if (ended || upstream == null) {
      bytesIn.release();
      return;
    }
    upstream.writeAndFlush(bytesIn, upstream.voidPromise());
    if (!upstream.isWritable()) {
      ctx.channel().config().setAutoRead(false);
    }
  }

  void clientWritabilityChanged(boolean writable) {
    if (upstream != null) {
      upstream.config().setAutoRead(writable);
    }
  }

  /** The client's connection closed: H27 unless the request was over (a WebSocket simply ends). */
  void clientClosed() {
    for (HttpContent chunk; (chunk = pendingBody.poll()) != null; ) {
      chunk.release();
    }
    if (tunnelling) {
      end(null, null, "info", 101, null);
    } else {
      end("H27", "Client Request Interrupted", "warning", 499, "client");
    }
  }

  // ---- the dyno's side -------------------------------------------------------------------------

  void upstreamRead(Object msg) {
    if (ended) {
      ReferenceCountUtil.release(msg);
      return;
    }
    lastActivity = System.nanoTime();
    if (msg instanceof HttpResponse response) {
      if (response.decoderResult().isFailure()) {
        ReferenceCountUtil.release(msg);
        closeUpstream();
        fail("H17", "Poorly formatted HTTP response", 503, "error");
        return;
      }
      if (hopHeaders && hopAnswer(response)) {
        return;
      }
      int code = response.status().code();
      if (webSocket && code == 101) {
        switchProtocols(response);
        return;
      }
      if (code < 200) {
        // 100 Continue and other interim answers go to the client; the final one follows
        informational = true;
        ctx.write(response, ctx.voidPromise());
        return;
      }
      headReceived = true;
      status = code;
      dynoKeepsAlive = HttpUtil.isKeepAlive(response);
      Forwarding.toClient(response, requestId, headRequest, keepClient && !webSocket);
      ctx.write(response, ctx.voidPromise());
    }
    if (msg instanceof HttpContent chunk) {
      if (tunnelling || informational) {
        // a switched or interim response's empty end, as the decoder marks it
        informational &= !(chunk instanceof LastHttpContent);
        if (tunnelling) {
          chunk.release();
        } else {
          ctx.write(chunk, ctx.voidPromise());
        }
        return;
      }
      if (chunk.decoderResult().isFailure()) {
        // the decoder's mark that the dyno closed before the end of a chunked or sized body
        chunk.release();
        closeUpstream();
        ctx.close();
        end("H18", "Server Request Interrupted", "error", status, "backend");
        return;
      }
      bytes += chunk.content().readableBytes();
      if (chunk instanceof LastHttpContent) {
        responseComplete = true;
        if (!keepClient || !requestComplete || webSocket) {
          ctx.writeAndFlush(chunk).addListener(ChannelFutureListener.CLOSE);
        } else {
          ctx.writeAndFlush(chunk, ctx.voidPromise());
        }
        end(null, null, "info", status, null);
      } else {
        ctx.write(chunk, ctx.voidPromise());
        if (!ctx.channel().isWritable()) {
          upstream.config().setAutoRead(false);
        }
      }
    } else if (msg instanceof ByteBuf raw) {
      bytes += raw.readableBytes();
      ctx.writeAndFlush(raw, ctx.voidPromise());
      if (!ctx.channel().isWritable()) {
        upstream.config().setAutoRead(false);
      }
    }
  }

  /**
   * What another node's router said beyond the dyno's answer: a miss (nothing reached a dyno: sent
   * again elsewhere when there is no body to have lost, else H21) or the H-code it answered with.
   * True when the response was a miss and is consumed here.
   */
  private boolean hopAnswer(HttpResponse response) {
    String code = response.headers().get(Hop.CODE);
    if (code != null) {
      response.headers().remove(Hop.CODE);
      hopCode = code;
    }
    if (!response.headers().contains(Hop.MISS)) {
      return false;
    }
    ReferenceCountUtil.release(response);
    closeUpstream();
    backend.quarantine(QUARANTINE_NANOS);
    exclude(backend);
    connectFailure = "H21";
    if (bodyless && attempts < MAX_ATTEMPTS) {
      dispatch();
    } else {
      fail("H21", "Backend connection refused", 503, "error");
    }
    return true;
  }

  void upstreamReadComplete() {
    ctx.flush();
  }

  void upstreamWritabilityChanged(boolean writable) {
    ctx.channel().config().setAutoRead(writable);
  }

  /** The dyno agreed to a WebSocket: from now on both connections are raw bytes, passed through. */
  private void switchProtocols(HttpResponse response) {
    tunnelling = true;
    headReceived = true;
    status = 101;
    response.headers().add(Forwarding.VIA, "1.1 skiff").set(Forwarding.X_REQUEST_ID, requestId);
    ctx.writeAndFlush(response);
    ctx.pipeline().remove(HttpServerCodec.class);
    upstream.pipeline().remove("codec");
    ctx.channel().config().setAutoRead(true);
  }

  /** The dyno closed the connection before the exchange was over. */
  void upstreamClosed() {
    upstream = null;
    upstreamHandler = null;
    if (ended) {
      return;
    }
    if (tunnelling) {
      ctx.close();
      end(null, null, "info", 101, null);
    } else if (headReceived) {
      // part of the answer went out already: the client's connection is cut to show it
      ctx.close();
      end("H18", "Server Request Interrupted", "error", status, "backend");
    } else if (replayable && attempts < MAX_ATTEMPTS) {
      // nothing came back to a request that may be sent twice: try again (a kept-alive
      // connection may have been closing as it was reused); a hop's router chooses again
      if (hopped) {
        missHop();
      } else {
        dispatch();
      }
    } else if (requestSent) {
      fail("H13", "Connection closed without response", 503, "error");
    } else {
      fail("H18", "Server Request Interrupted", 503, "error");
    }
  }

  // ---- timeouts --------------------------------------------------------------------------------

  /**
   * 30 s (SKIFF_ROUTER_TIMEOUT) from the request being sent to the first byte of the answer (H12),
   * then a rolling 55 s (SKIFF_ROUTER_IDLE) window between bytes (H15); a client that stops
   * sending its request for that long is H28.
   */
  @Override
  public void checkTimeouts(long now) {
    long idle = router.settings().idleTimeout().toNanos();
    if (ended) {
      return;
    }
    if (headReceived) {
      if (now - (lastActivity + idle) >= 0) {
        closeUpstream();
        ctx.close();
        end("H15", "Idle connection", "error", status, null);
      }
    } else if (requestSent || requestComplete && upstream == null) {
      if (now - ((requestSent ? requestSentAt : start) + router.settings().firstByteTimeout().toNanos()) >= 0) {
        // the dyno's connection is closed, not kept: its late answer must not reach the next request
        closeUpstream();
        fail("H12", "Request timeout", 503, "error");
      }
    } else if (now - (lastActivity + idle) >= 0) {
      closeUpstream();
      fail("H28", "Client Connection Idle", 503, "error");
    }
  }


  // ---- endings ---------------------------------------------------------------------------------

  /** An H-code with Heroku's page (or the app's ERROR_PAGE_URL / MAINTENANCE_PAGE_URL in a frame). */
  private void fail(String code, String desc, int httpStatus, String level) {
    if (ended) {
      return;
    }
    if (headReceived) {
      ctx.close();
    } else {
      AppEntry app = route == null ? null : route.app();
      FullHttpResponse page = ErrorPages.page(ctx.alloc(), code, httpStatus,
          app == null ? null : code.equals("H80") ? app.maintenancePageUrl() : app.errorPageUrl());
      if (hopped) {
        page.headers().set(Hop.CODE, code + " " + desc);
      }
      answer(page);
    }
    end(code, desc, level, httpStatus, null);
  }

  private void answer(FullHttpResponse page) {
    page.headers().set(Forwarding.X_REQUEST_ID, requestId).add(Forwarding.VIA, "1.1 skiff");
    boolean close = !keepClient || !requestComplete || webSocket;
    if (close) {
      page.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    ChannelFuture sent = ctx.writeAndFlush(page);
    if (close) {
      sent.addListener(ChannelFutureListener.CLOSE);
    }
  }

  private void closeUpstream() {
    if (upstream != null) {
      upstreamHandler.detach();
      upstream.close();
      upstream = null;
      upstreamHandler = null;
    }
  }

  /**
   * The one end of every exchange: the dyno's outstanding count is given back, its connection
   * kept for the next request only after a clean, complete exchange (else closed), and the log
   * line handed to the log thread.
   */
  private void end(String code, String desc, String level, int httpStatus, String sock) {
    if (ended) {
      return;
    }
    ended = true;
    if (deadlines != null) {
      deadlines.remove(this);
    }
    if (backend != null) {
      backend.finish();
    }
    for (HttpContent chunk; (chunk = pendingBody.poll()) != null; ) {
      chunk.release();
    }
    if (upstream != null) {
      if (responseComplete && requestSent && dynoKeepsAlive && !tunnelling) {
        upstreamHandler.detach();
        router.pool().release(backend, upstream);
        upstream = null;
        upstreamHandler = null;
      } else {
        closeUpstream();
      }
    }
    if (code == null && hopCode != null) {
      int space = hopCode.indexOf(' ');
      code = space < 0 ? hopCode : hopCode.substring(0, space);
      desc = space < 0 ? "" : hopCode.substring(space + 1);
      level = "error";
    }
    if (route != null && !hopped) {
      long now = System.nanoTime();
      router.log().add(new RouterLog.Line(route.app().appId(), code, desc, level, method, path, host, requestId,
          forwardedFor, backend == null ? null : backend.dyno(), TimeUnit.NANOSECONDS.toMillis(connectNanos),
          TimeUnit.NANOSECONDS.toMillis(now - start - connectNanos), httpStatus, bytes, https, sock));
    }
    if (requestComplete) {
      client.settled(this);
    }
  }
}
