package skiff.http.router;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.FastThreadLocal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Keep-alive connections to the dynos, one pool per event loop and backend: a client's request is
 * sent on a connection of the client's own event loop, so a request never crosses threads and the
 * pool needs no lock. A connection is taken most-recently-used first (the warmest) and dropped
 * after {@link #IDLE_SECONDS} unused, before the usual dyno server (Node's 5 s keep-alive) closes
 * it, which keeps a request from being sent on a connection the dyno is closing.
 */
final class UpstreamPool {
  static final int CONNECT_TIMEOUT_MILLIS = 5000;
  private static final int IDLE_SECONDS = 4;
  private static final int MAX_IDLE_PER_BACKEND = 256;
  private static final InetAddress DYNO_HOST = InetAddress.getLoopbackAddress();

  private final Bootstrap bootstrap;
  private final FastThreadLocal<Map<Backend, ArrayDeque<Channel>>> idle = new FastThreadLocal<>() {
    @Override
    protected Map<Backend, ArrayDeque<Channel>> initialValue() {
      return new HashMap<>();
    }
  };

  UpstreamPool(Class<? extends Channel> channelClass) {
    this.bootstrap = new Bootstrap().channel(channelClass)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS);
  }

  /** An idle kept-alive connection to {@code backend} on {@code loop}, else a new one ({@code fresh}: always new). */
  ChannelFuture acquire(Backend backend, EventLoop loop, boolean fresh) {
    if (!fresh) {
      ArrayDeque<Channel> channels = idle.get().get(backend);
      for (Channel ch; channels != null && (ch = channels.pollLast()) != null; ) {
        if (ch.isActive()) {
          return ch.newSucceededFuture();
        }
      }
    }
    return bootstrap.clone(loop).handler(new ChannelInitializer<Channel>() {
      @Override
      protected void initChannel(Channel ch) {
        ch.pipeline().addLast(new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS))
            .addLast("codec", new HttpClientCodec(new HttpDecoderConfig().setMaxInitialLineLength(16 * 1024)
                .setMaxHeaderSize(1024 * 1024).setMaxChunkSize(64 * 1024), false, false))
            .addLast(new UpstreamHandler(UpstreamPool.this, backend));
      }
    }).connect(new InetSocketAddress(DYNO_HOST, backend.port()));
  }

  /** A connection whose exchange finished cleanly goes back for the next request. */
  void release(Backend backend, Channel ch) {
    ArrayDeque<Channel> channels = idle.get().computeIfAbsent(backend, b -> new ArrayDeque<>());
    if (channels.size() >= MAX_IDLE_PER_BACKEND || !ch.isActive()) {
      ch.close();
      return;
    }
    ch.config().setAutoRead(true);
    channels.addLast(ch);
  }

  /** A connection closed (by the dyno, or dropped when idle): it is no longer offered. */
  void forget(Backend backend, Channel ch) {
    Map<Backend, ArrayDeque<Channel>> byBackend = idle.get();
    ArrayDeque<Channel> channels = byBackend.get(backend);
    if (channels != null && channels.remove(ch) && channels.isEmpty()) {
      byBackend.remove(backend);
    }
  }
}
