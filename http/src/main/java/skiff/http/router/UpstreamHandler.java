package skiff.http.router;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * The end of a dyno connection: hands what the dyno sends to the exchange using the connection,
 * and tells it when the dyno closes. An idle pooled connection has no exchange; if the dyno speaks
 * on it, it is closed.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {
  private final UpstreamPool pool;
  private final Backend backend;
  private Exchange exchange;

  UpstreamHandler(UpstreamPool pool, Backend backend) {
    this.pool = pool;
    this.backend = backend;
  }

  void attach(Exchange exchange) {
    this.exchange = exchange;
  }

  void detach() {
    this.exchange = null;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (exchange != null) {
      exchange.upstreamRead(msg);
    } else {
      ReferenceCountUtil.release(msg);
      ctx.close();
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (exchange != null) {
      exchange.upstreamReadComplete();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (exchange != null) {
      exchange.upstreamWritabilityChanged(ctx.channel().isWritable());
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    pool.forget(backend, ctx.channel());
    Exchange current = exchange;
    exchange = null;
    if (current != null) {
      current.upstreamClosed();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // a reset or a malformed response: closing tells the exchange (channelInactive)
    ctx.close();
  }
}
