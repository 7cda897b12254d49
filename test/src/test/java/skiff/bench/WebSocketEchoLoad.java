package skiff.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * WebSocket echo under load, for the router benchmark (wrk cannot speak WebSocket): each of N
 * connections sends a small masked text frame and waits for the dyno's echo, again and again, for
 * a fixed time. The same client measures the dyno directly, nginx and Skiff.
 *
 * <p>It works as wrk does, so that this row is measured as the others are: its own process (not
 * the JVM of the node under test, whose collector and scheduler it would share), two threads, each
 * driving its share of the connections from one selector. A thread per connection, as this client
 * first had, put 128 busy threads beside a proxy's one or two and measured the scheduler as much
 * as the proxy.
 */
final class WebSocketEchoLoad {
  /** Round trips per second over all connections, and the latency of one round trip. */
  record Result(double perSecond, double p50Millis, double p99Millis) {}

  private static final byte[] MESSAGE = "hello".getBytes(StandardCharsets.US_ASCII);
  /** The dyno answers "echo: " and the message, unmasked. */
  private static final int ECHO_LENGTH = 2 + 6 + MESSAGE.length;
  private static final int THREADS = 2;
  private static final int MAX_SAMPLES = 4_000_000;
  /** Unmeasured time at the start of the child's run: its JIT warms up, as wrk needs none. */
  private static final Duration WARM_UP = Duration.ofSeconds(1);

  private WebSocketEchoLoad() {}

  static Result run(int port, String host, int connections, Duration duration) throws Exception {
    return run("127.0.0.1:" + port, host, connections, duration);
  }

  /** {@code at}: the address and port to connect to, as ADDRESS:PORT; run in a child JVM. */
  static Result run(String at, String host, int connections, Duration duration) throws Exception {
    Path classes = Path.of(WebSocketEchoLoad.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "-XX:+UseSerialGC", "-Xmx512m", "-cp", classes.toString(),
        WebSocketEchoLoad.class.getName(), at, host, String.valueOf(connections), String.valueOf(duration.toMillis()))
        .redirectErrorStream(true).start();
    List<String> out = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        out.add(line);
      }
    }
    if (!child.waitFor(duration.toSeconds() + 60, TimeUnit.SECONDS)) {
      child.destroyForcibly();
    }
    String last = out.isEmpty() ? "" : out.get(out.size() - 1);
    if (child.exitValue() != 0 || !last.startsWith("result ")) {
      throw new IllegalStateException("WebSocket load at " + at + " failed: " + String.join("\n", out));
    }
    out.subList(0, out.size() - 1).forEach(line -> System.out.println("  " + line));
    String[] f = last.split(" ");
    return new Result(Double.parseDouble(f[1]), Double.parseDouble(f[2]), Double.parseDouble(f[3]));
  }

  /** ADDRESS:PORT HOST CONNECTIONS MILLIS; prints {@code result PER_SECOND P50_MS P99_MS} last. */
  public static void main(String[] args) throws Exception {
    String at = args[0];
    InetSocketAddress address = new InetSocketAddress(at.substring(0, at.lastIndexOf(':')),
        Integer.parseInt(at.substring(at.lastIndexOf(':') + 1)));
    int connections = Integer.parseInt(args[2]);
    long measured = TimeUnit.MILLISECONDS.toNanos(Long.parseLong(args[3]));
    long begin = System.nanoTime() + WARM_UP.toNanos();
    long end = begin + measured;
    List<Loop> loops = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int share = connections / THREADS + (t < connections % THREADS ? 1 : 0);
      loops.add(new Loop(address, args[1], share, begin, end, MAX_SAMPLES / THREADS));
    }
    List<Thread> threads = loops.stream().map(loop -> new Thread(loop, "ws-load")).toList();
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }
    int total = loops.stream().mapToInt(l -> l.count).sum();
    long failed = loops.stream().mapToLong(l -> l.failed).sum();
    if (total == 0) {
      System.out.println("no WebSocket round trip completed at " + at);
      System.exit(1);
    }
    if (failed > 0) {
      System.out.println("(" + failed + " WebSocket connections failed)");
    }
    long[] all = new long[total];
    int offset = 0;
    for (Loop l : loops) {
      System.arraycopy(l.samples, 0, all, offset, l.count);
      offset += l.count;
    }
    Arrays.sort(all);
    System.out.println(String.format(Locale.ROOT, "result %.1f %.4f %.4f", total / (measured / 1e9),
        all[total / 2] / 1e6, all[(int) (total * 0.99)] / 1e6));
  }

  /** One thread's connections on one selector; round trips completed in [begin, end) are counted. */
  private static final class Loop implements Runnable {
    private final InetSocketAddress address;
    private final String host;
    private final int connections;
    private final long begin;
    private final long end;
    final long[] samples;
    int count;
    long failed;

    Loop(InetSocketAddress address, String host, int connections, long begin, long end, int maxSamples) {
      this.address = address;
      this.host = host;
      this.connections = connections;
      this.begin = begin;
      this.end = end;
      this.samples = new long[maxSamples];
    }

    /** A connection's state: its handshake, then one frame out and its echo back, again and again. */
    private static final class Conn {
      final SocketChannel channel;
      final ByteBuffer in = ByteBuffer.allocateDirect(4096);
      final ByteBuffer frame = ByteBuffer.allocateDirect(2 + 4 + MESSAGE.length);
      boolean open;
      boolean done;
      int matched;
      long sent;

      Conn(SocketChannel channel) {
        this.channel = channel;
      }
    }

    @Override
    public void run() {
      try (Selector selector = Selector.open()) {
        byte[] handshake = ("GET /ws HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
        for (int c = 0; c < connections; c++) {
          SocketChannel ch = SocketChannel.open(address);
          ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
          ByteBuffer out = ByteBuffer.wrap(handshake);
          while (out.hasRemaining()) {
            ch.write(out);
          }
          ch.configureBlocking(false);
          ch.register(selector, SelectionKey.OP_READ, new Conn(ch));
        }
        int live = connections;
        // past the end no frame is sent; each connection's last echo is awaited (closing with it
        // unread would reset the connection under the dyno's write), then it is closed cleanly
        long finish = end + TimeUnit.SECONDS.toNanos(5);
        while (live > 0 && System.nanoTime() < finish) {
          selector.select(100);
          var selected = selector.selectedKeys().iterator();
          while (selected.hasNext()) {
            SelectionKey key = selected.next();
            selected.remove();
            Conn conn = (Conn) key.attachment();
            boolean ok = read(conn);
            if (!ok || conn.done) {
              failed += ok ? 0 : 1;
              live--;
              key.cancel();
              conn.channel.close();
            }
          }
        }
        for (SelectionKey key : selector.keys()) {
          key.channel().close();
        }
      } catch (IOException e) {
        System.out.println("(WebSocket load failed: " + e.getMessage() + ")");
        failed++;
      }
    }

    /** What arrived on a connection; false when it closed or broke. */
    private boolean read(Conn conn) throws IOException {
      int n;
      try {
        n = conn.channel.read(conn.in);
      } catch (IOException e) {
        return false;
      }
      if (n < 0) {
        return false;
      }
      conn.in.flip();
      if (!conn.open) {
        // the 101 head ends with an empty line; nothing follows it until the first frame
        while (conn.in.hasRemaining() && conn.matched < 4) {
          byte b = conn.in.get();
          conn.matched = b == (conn.matched % 2 == 0 ? '\r' : '\n') ? conn.matched + 1 : b == '\r' ? 1 : 0;
        }
        conn.in.clear();
        if (conn.matched == 4) {
          conn.open = true;
          send(conn);
        }
        return true;
      }
      if (conn.in.remaining() < ECHO_LENGTH) {
        conn.in.compact();
        return true;
      }
      conn.in.clear();
      long now = System.nanoTime();
      if (conn.sent >= begin && now < end && count < samples.length) {
        samples[count++] = now - conn.sent;
      }
      if (now >= end) {
        // a close frame (masked, empty): the dyno ends its side
        conn.frame.clear().put((byte) 0x88).put((byte) 0x80).putInt(0).flip();
        while (conn.frame.hasRemaining()) {
          conn.channel.write(conn.frame);
        }
        conn.done = true;
        return true;
      }
      send(conn);
      return true;
    }

    private void send(Conn conn) throws IOException {
      int mask = ThreadLocalRandom.current().nextInt();
      ByteBuffer f = conn.frame.clear();
      f.put((byte) 0x81).put((byte) (0x80 | MESSAGE.length)).putInt(mask);
      for (int i = 0; i < MESSAGE.length; i++) {
        f.put((byte) (MESSAGE[i] ^ (mask >>> (8 * (3 - i % 4)))));
      }
      f.flip();
      conn.sent = System.nanoTime();
      while (f.hasRemaining()) {
        conn.channel.write(f);
      }
    }
  }
}
