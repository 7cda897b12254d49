package skiff.http.router;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.ReflectiveChannelFactory;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Keep-alive connections to the dynos, one pool per event loop and backend: a client's request is
 * sent on a connection of the client's own event loop, so a request never crosses threads and the
 * pool needs no lock. A connection is taken most-recently-used first (the warmest); one unused for
 * {@link #IDLE_NANOS} is not taken but closed, as the usual dyno server (Node's 5 s keep-alive)
 * may be closing it just then, and a request sent on it would be lost.
 */
final class UpstreamPool {
  static final int CONNECT_TIMEOUT_MILLIS = 5000;
  private static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(4);
  private static final int MAX_IDLE_PER_BACKEND = 256;

  /**
   * What a dyno may answer. Its header names and values are not validated: they go to the client
   * as the dyno wrote them, as from any proxy, and validating them cost measurable time per request.
   */
  private static final HttpDecoderConfig DYNO_RESPONSES = new HttpDecoderConfig().setMaxInitialLineLength(16 * 1024)
      .setMaxHeaderSize(1024 * 1024).setMaxChunkSize(64 * 1024)
      .setHeadersFactory(DefaultHttpHeadersFactory.headersFactory().withValidation(false));

  private final Bootstrap bootstrap;
  private final ReflectiveChannelFactory<? extends Channel> newChannels;
  /** A kept-alive connection and when it was given back. */
  private record Idle(Channel channel, long since) {}

  private final FastThreadLocal<Map<Backend, ArrayDeque<Idle>>> idle = new FastThreadLocal<>() {
    @Override
    protected Map<Backend, ArrayDeque<Idle>> initialValue() {
      return new HashMap<>();
    }
  };

  UpstreamPool(Class<? extends Channel> channelClass) {
    this.newChannels = new ReflectiveChannelFactory<>(channelClass);
    // no channel class here: each connection's channel comes from its dyno's endpoint (see acquire)
    this.bootstrap = new Bootstrap()
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.WRITE_BUFFER_WATER_MARK, Router.WATER_MARK)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS);
  }

  /** An idle kept-alive connection to {@code backend} on {@code loop}, else a new one ({@code fresh}: always new). */
  ChannelFuture acquire(Backend backend, EventLoop loop, boolean fresh) {
    ArrayDeque<Idle> channels = fresh ? null : idle.get().get(backend);
    long now = System.nanoTime();
    for (Idle kept; channels != null && (kept = channels.pollLast()) != null; ) {
      if (now - kept.since() > IDLE_NANOS) {
        // this one and all older ones have been idle too long
        kept.channel().close();
        channels.forEach(older -> older.channel().close());
        channels.clear();
      } else if (kept.channel().isActive()) {
        return kept.channel().newSucceededFuture();
      }
    }
    io.netty.channel.ChannelFactory<Channel> made = () -> backend.endpoint().open(newChannels::newChannel);
    return bootstrap.clone(loop).channelFactory(made).handler(new ChannelInitializer<Channel>() {
      @Override
      protected void initChannel(Channel ch) {
        ch.pipeline().addLast("codec", new HttpClientCodec(DYNO_RESPONSES, false, false))
            .addLast(new UpstreamHandler(UpstreamPool.this, backend));
      }
    }).connect(backend.endpoint().address());
  }

  /** A connection whose exchange finished cleanly goes back for the next request. */
  void release(Backend backend, Channel ch) {
    ArrayDeque<Idle> channels = idle.get().computeIfAbsent(backend, b -> new ArrayDeque<>());
    if (channels.size() >= MAX_IDLE_PER_BACKEND || !ch.isActive()) {
      ch.close();
      return;
    }
    ch.config().setAutoRead(true);
    channels.addLast(new Idle(ch, System.nanoTime()));
  }

  /** A connection closed (by the dyno, or dropped when idle): it is no longer offered. */
  void forget(Backend backend, Channel ch) {
    Map<Backend, ArrayDeque<Idle>> byBackend = idle.get();
    ArrayDeque<Idle> channels = byBackend.get(backend);
    if (channels != null && channels.removeIf(kept -> kept.channel() == ch) && channels.isEmpty()) {
      byBackend.remove(backend);
    }
  }
}
