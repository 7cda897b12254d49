package skiff.test;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** A server-sent events reader for tests: each message's id and JSON data, in arrival order. */
final class EventStream implements AutoCloseable {
  record Message(String id, JsonNode data) {}

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final BlockingQueue<Message> messages = new LinkedBlockingQueue<>();
  private final HttpResponse<Stream<String>> response;

  private EventStream(HttpResponse<Stream<String>> response) {
    this.response = response;
    Thread reader = new Thread(() -> {
      String id = null;
      try {
        for (String line : (Iterable<String>) response.body()::iterator) {
          if (line.startsWith("id: ")) {
            id = line.substring(4);
          } else if (line.startsWith("data: ")) {
            messages.add(new Message(id, Api.JSON.readTree(line.substring(6))));
          }
        }
      } catch (Exception closed) {
        // the test closed the stream, or the server went away
      }
    }, "event-stream");
    reader.setDaemon(true);
    reader.start();
  }

  /** Opens {@code path} as an event stream; {@code lastEventId} may be null. */
  static EventStream open(int port, String path, String lastEventId) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Accept", "text/event-stream")
        .header("Authorization", "Bearer " + TestNode.TOKEN);
    if (lastEventId != null) {
      b.header("Last-Event-ID", lastEventId);
    }
    HttpResponse<Stream<String>> response = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofLines());
    if (response.statusCode() != 200) {
      String body = String.join("\n", response.body().toList());
      throw new IllegalStateException(response.statusCode() + " " + body);
    }
    return new EventStream(response);
  }

  /** The next message, or an AssertionError after {@code wait}. */
  Message next(Duration wait) throws InterruptedException {
    Message m = messages.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    if (m == null) {
      throw new AssertionError("no event within " + wait);
    }
    return m;
  }

  /** The next message of this type, skipping others. */
  Message next(String type, Duration wait) throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      Message m = next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      if (m.data().path("type").asText().equals(type)) {
        return m;
      }
    }
  }

  /** Whether a message arrives within {@code wait}. */
  Message poll(Duration wait) throws InterruptedException {
    return messages.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    response.body().close();
  }
}
