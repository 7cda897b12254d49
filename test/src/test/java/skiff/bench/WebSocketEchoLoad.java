package skiff.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * WebSocket echo under load, for the router benchmark (wrk cannot speak WebSocket): each of N
 * connections sends a small masked text frame and waits for the dyno's echo, again and again, for
 * a fixed time. The same client measures the dyno directly, nginx and Skiff.
 */
final class WebSocketEchoLoad {
  /** Round trips per second over all connections, and the latency of one round trip. */
  record Result(double perSecond, double p50Millis, double p99Millis) {}

  private static final byte[] MESSAGE = "hello".getBytes(StandardCharsets.US_ASCII);
  private static final int MAX_SAMPLES = 2_000_000;

  private WebSocketEchoLoad() {}

  static Result run(int port, String host, int connections, Duration duration) throws Exception {
    return run("127.0.0.1:" + port, host, connections, duration);
  }

  /** {@code at}: the address and port to connect to, as ADDRESS:PORT. */
  static Result run(String at, String host, int connections, Duration duration) throws Exception {
    String address = at.substring(0, at.lastIndexOf(':'));
    int port = Integer.parseInt(at.substring(at.lastIndexOf(':') + 1));
    List<Thread> threads = new ArrayList<>();
    long[][] samples = new long[connections][];
    int[] counts = new int[connections];
    long end = System.nanoTime() + duration.toNanos();
    for (int c = 0; c < connections; c++) {
      int index = c;
      samples[c] = new long[MAX_SAMPLES / connections];
      Thread t = new Thread(() -> counts[index] = echoUntil(address, port, host, end, samples[index]), "ws-load-" + c);
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    int total = Arrays.stream(counts).sum();
    long[] all = new long[total];
    int offset = 0;
    for (int c = 0; c < connections; c++) {
      System.arraycopy(samples[c], 0, all, offset, counts[c]);
      offset += counts[c];
    }
    Arrays.sort(all);
    if (total == 0) {
      throw new IllegalStateException("no WebSocket round trip completed at " + at);
    }
    return new Result(total / (duration.toNanos() / 1e9), all[total / 2] / 1e6, all[(int) (total * 0.99)] / 1e6);
  }

  /** Round trips on one connection until {@code end}; each one's latency goes into {@code out}. */
  private static int echoUntil(String address, int port, String host, long end, long[] out) {
    int n = 0;
    try (Socket socket = new Socket(address, port)) {
      socket.setTcpNoDelay(true);
      socket.setSoTimeout(10_000);
      OutputStream w = socket.getOutputStream();
      InputStream r = socket.getInputStream();
      w.write(("GET /ws HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      w.flush();
      skipHead(r);
      byte[] frame = new byte[2 + 4 + MESSAGE.length];
      frame[0] = (byte) 0x81;
      frame[1] = (byte) (0x80 | MESSAGE.length);
      byte[] echo = new byte[2 + 6 + MESSAGE.length];
      while (System.nanoTime() < end && n < out.length) {
        int mask = ThreadLocalRandom.current().nextInt();
        for (int i = 0; i < 4; i++) {
          frame[2 + i] = (byte) (mask >>> (8 * i));
        }
        for (int i = 0; i < MESSAGE.length; i++) {
          frame[6 + i] = (byte) (MESSAGE[i] ^ frame[2 + i % 4]);
        }
        long sent = System.nanoTime();
        w.write(frame);
        w.flush();
        if (r.readNBytes(echo, 0, echo.length) < echo.length) {
          break;
        }
        out[n++] = System.nanoTime() - sent;
      }
    } catch (IOException e) {
      System.out.println("  (WebSocket connection failed: " + e.getMessage() + ")");
    }
    return n;
  }

  private static void skipHead(InputStream in) throws IOException {
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed during the handshake");
      }
      matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
  }
}
