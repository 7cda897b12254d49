package skiff.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A plain HTTP client for tests: real requests to a node's API, answers parsed as JSON. */
public final class Api {
  public static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final String base;
  private final String token;

  public Api(int port, String token) {
    this.base = "http://127.0.0.1:" + port;
    this.token = token;
  }

  public record Answer(int status, JsonNode body, HttpResponse<String> raw) {
    public String header(String name) {
      return raw.headers().firstValue(name).orElse(null);
    }

    public Answer expect(int expected) {
      assertEquals(expected, status, () -> "unexpected answer: " + raw.body());
      return this;
    }

    /** Asserts Heroku's error shape: the id and a message that mentions {@code fragment}. */
    public Answer expectError(int expectedStatus, String id, String fragment) {
      expect(expectedStatus);
      assertEquals(id, body.path("id").asText(), raw.body());
      assertTrue(body.path("message").asText().contains(fragment), () -> "message lacks '" + fragment + "': " + raw.body());
      return this;
    }
  }

  public Answer get(String path) {
    return send("GET", path, null, null);
  }

  public Answer get(String path, String range) {
    return send("GET", path, null, range);
  }

  public Answer post(String path, String json) {
    return send("POST", path, json, null);
  }

  public Answer patch(String path, String json) {
    return send("PATCH", path, json, null);
  }

  public Answer delete(String path) {
    return send("DELETE", path, null, null);
  }

  /** The body of a GET as text: for answers that are not one JSON document (JSON lines, logs). */
  public String text(String path) {
    Answer answer = get(path);
    if (answer.status() != 200) {
      throw new AssertionError("GET " + path + " answered " + answer.status() + ": " + answer.raw().body());
    }
    return answer.raw().body();
  }

  public Answer send(String method, String path, String json, String range) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
        .header("Accept", "application/vnd.heroku+json; version=3");
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (range != null) {
      b.header("Range", range);
    }
    if (json != null) {
      b.header("Content-Type", "application/json");
    }
    b.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
    try {
      HttpResponse<String> response = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
      JsonNode body = response.body().isEmpty() ? JSON.nullNode() : JSON.readTree(response.body());
      return new Answer(response.statusCode(), body, response);
    } catch (Exception e) {
      throw new AssertionError(method + " " + path + " failed: " + e, e);
    }
  }
}
