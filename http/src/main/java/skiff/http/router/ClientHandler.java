package skiff.http.router;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;

/**
 * A client's connection to the router: its requests one at a time (a pipelined one waits in a
 * backlog, unread, until the one before it is settled), Heroku's 400 for heads over its limits,
 * and H27 when the client leaves with a request in flight.
 */
final class ClientHandler extends ChannelInboundHandlerAdapter {
  private final Router router;
  private final boolean https;
  private final ArrayDeque<Object> backlog = new ArrayDeque<>(0);
  private ChannelHandlerContext ctx;
  private String clientAddress;
  private String listenerPort;
  private Exchange exchange;
  private boolean refused;
  /** Within a read of the client's bytes: writes to the dyno wait for its end to be flushed at once. */
  private boolean reading;

  ClientHandler(Router router, boolean https) {
    this.router = router;
    this.https = https;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    InetSocketAddress remote = (InetSocketAddress) ctx.channel().remoteAddress();
    clientAddress = remote == null || remote.getAddress() == null ? "unknown" : remote.getAddress().getHostAddress();
    listenerPort = String.valueOf(((InetSocketAddress) ctx.channel().localAddress()).getPort());
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    reading = true;
    if (refused) {
      ReferenceCountUtil.release(msg);
    } else if (exchange != null && exchange.tunnelling() && msg instanceof ByteBuf raw) {
      exchange.clientBytes(raw);
    } else if (exchange != null && exchange.awaitsBody() && msg instanceof HttpContent chunk) {
      exchange.clientContent(chunk);
    } else if (exchange != null) {
      backlog.add(msg);
      ctx.channel().config().setAutoRead(false);
    } else if (msg instanceof HttpRequest request) {
      begin(request);
    } else {
      // what is left of a request already answered
      ReferenceCountUtil.release(msg);
    }
  }

  private void begin(HttpRequest request) {
    String violation = RequestLimits.violation(request);
    if (violation != null) {
      refused = true;
      ReferenceCountUtil.release(request);
      FullHttpResponse bad = ErrorPages.badRequest(ctx.alloc(), violation);
      bad.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(bad).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    exchange = new Exchange(router, this, ctx, request, https, clientAddress);
    exchange.start();
    if (request instanceof HttpContent whole && exchange != null && exchange.awaitsBody()) {
      exchange.clientContent(whole);
    }
  }

  /** The port the client connected to, for X-Forwarded-Port. */
  String listenerPort() {
    return listenerPort;
  }

  boolean reading() {
    return reading;
  }

  /** The exchange is over and its request read to the end: the next request may begin. */
  void settled(Exchange done) {
    if (exchange != done) {
      return;
    }
    exchange = null;
    boolean wasReading = reading;
    while (!backlog.isEmpty() && (exchange == null || exchange.awaitsBody())) {
      channelRead(ctx, backlog.poll());
    }
    if (backlog.isEmpty()) {
      ctx.channel().config().setAutoRead(true);
    }
    reading = wasReading;
    if (exchange != null && !reading) {
      exchange.flushUpstream();
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    // what this read gave the dyno goes out in one write
    reading = false;
    if (exchange != null) {
      exchange.flushUpstream();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (exchange != null) {
      exchange.clientWritabilityChanged(ctx.channel().isWritable());
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    Exchange current = exchange;
    exchange = null;
    if (current != null) {
      current.clientClosed();
    }
    backlog.forEach(ReferenceCountUtil::release);
    backlog.clear();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // a reset by the client or a TLS failure: closing ends any exchange as H27
    ctx.close();
  }
}
