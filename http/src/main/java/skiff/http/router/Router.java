package skiff.http.router;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import skiff.actors.dynos.LogSink;

/**
 * The router's data plane: listeners on Netty (native epoll where the machine has it) that route
 * each request to an up web dyno of the app its Host names and stream both ways, with Heroku's
 * headers, H-codes and log lines. Netty and not Pekko HTTP, which stays for the API: a proxy only
 * needs the request head parsed and the bytes passed on, while a server stream feeding a client
 * pool builds request and response models and hops between stages for each request (see the
 * README's benchmark). Routing comes from the {@link RoutingTable}'s snapshot; nothing here asks
 * an entity.
 */
public final class Router implements AutoCloseable {
  private final RoutingTable table;
  private final RouterSettings settings;
  private final RouterLog log;
  private final EventLoopGroup loops;
  private final Class<? extends ServerChannel> serverChannel;
  private final UpstreamPool pool;
  private final List<Channel> listeners = new ArrayList<>();
  private final String hopHeader;

  /**
   * How much a connection may have waiting to be written before the other side stops being read:
   * above a whole small response with its head (Netty's default high mark, 64 KB, is just below a
   * 64 KB body, so such a response paused and resumed reading every time, two epoll changes each).
   */
  static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(128 * 1024, 256 * 1024);

  static {
    // Netty samples buffers for leak reports unless told otherwise; each sampled buffer records a
    // stack trace, a measurable part of a proxied request. A run that sets the level (the tests do)
    // keeps it.
    if (System.getProperty("io.netty.leakDetection.level") == null
        && System.getProperty("io.netty.leakDetectionLevel") == null) {
      ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
    }
  }

  public Router(RoutingTable table, LogSink logs, RouterSettings settings) {
    this.table = table;
    this.settings = settings;
    this.log = new RouterLog(logs);
    this.hopHeader = new String(settings.hopSecret(), java.nio.charset.StandardCharsets.US_ASCII);
    boolean epoll = Epoll.isAvailable();
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    // as many loops as the settings say (half the cores by default: the dynos need the rest); a
    // request and its dyno connection stay on one loop from start to end
    this.loops = new MultiThreadIoEventLoopGroup(settings.threads(),
        new DefaultThreadFactory("skiff-router", true), io);
    this.serverChannel = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    this.pool = new UpstreamPool(epoll ? EpollSocketChannel.class : NioSocketChannel.class);
  }

  /**
   * Listens on {@code bind:port} (0: any free port), with TLS terminated by {@code tls} when it is
   * not null; returns the port bound.
   */
  public int listen(String bind, int port, SSLContext tls) throws InterruptedException {
    Channel listener = new ServerBootstrap().group(loops).channel(serverChannel)
        .option(ChannelOption.SO_BACKLOG, 1024)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ChannelPipeline p = ch.pipeline();
            if (tls != null) {
              SSLEngine engine = tls.createSSLEngine();
              engine.setUseClientMode(false);
              p.addLast(new SslHandler(engine));
            }
            p.addLast(new HttpServerCodec(RequestLimits.decoderConfig()))
                .addLast(new ClientHandler(Router.this, tls != null));
          }
        })
        .bind(new InetSocketAddress(bind, port)).sync().channel();
    listeners.add(listener);
    return ((InetSocketAddress) listener.localAddress()).getPort();
  }

  RoutingTable table() {
    return table;
  }

  RouterSettings settings() {
    return settings;
  }

  RouterLog log() {
    return log;
  }

  /** The hop secret as the header carries it. */
  String hopHeader() {
    return hopHeader;
  }

  UpstreamPool pool() {
    return pool;
  }

  @Override
  public void close() {
    listeners.forEach(Channel::close);
    loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    log.close();
  }
}
