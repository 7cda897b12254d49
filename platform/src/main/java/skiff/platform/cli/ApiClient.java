package skiff.platform.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;

/** A small Platform API client: JSON in and out, Heroku's Accept header, the token as Bearer. */
public final class ApiClient {
  static final ObjectMapper JSON = new ObjectMapper();

  private final String base;
  private final String token;
  private final HttpClient http;

  private final String authorization;

  public ApiClient(String base, String token, javax.net.ssl.SSLContext tls) {
    this(base, token, token == null ? null : "Bearer " + token, tls);
  }

  private ApiClient(String base, String token, String authorization, javax.net.ssl.SSLContext tls) {
    this.base = base.replaceAll("/+$", "");
    this.token = token;
    this.authorization = authorization;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).sslContext(tls).build();
  }

  /** A client that signs in with email and password (Basic), as logging in does. */
  public static ApiClient withPassword(String base, String email, String password, javax.net.ssl.SSLContext tls) {
    String basic = java.util.Base64.getEncoder().encodeToString((email + ":" + password)
        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return new ApiClient(base, null, "Basic " + basic, tls);
  }

  public String base() {
    return base;
  }

  /** An API answer that was not 2xx, with Heroku's error id and message. */
  public static final class Failure extends RuntimeException {
    final int status;
    final String id;

    Failure(int status, String id, String message) {
      super(message);
      this.status = status;
      this.id = id;
    }
  }

  public JsonNode get(String path) {
    return send("GET", path, null, null);
  }

  public JsonNode get(String path, String range) {
    return send("GET", path, null, range);
  }

  public JsonNode post(String path, Object body) {
    return send("POST", path, body, null);
  }

  public JsonNode patch(String path, Object body) {
    return send("PATCH", path, body, null);
  }

  public JsonNode delete(String path) {
    return send("DELETE", path, null, null);
  }

  /**
   * A streamed GET (JSON lines, server-sent events): each line goes to {@code line} as it arrives,
   * until the server ends the answer.
   */
  public void lines(String path, String accept, java.util.function.Consumer<String> line) {
    try {
      HttpResponse<java.util.stream.Stream<String>> response = http.send(request(path, accept).GET().build(),
          HttpResponse.BodyHandlers.ofLines());
      try (java.util.stream.Stream<String> lines = response.body()) {
        if (response.statusCode() >= 400) {
          throw refused(response.statusCode(), JSON.readTree(String.join("\n", lines.toList())));
        }
        lines.forEach(line);
      }
    } catch (ConnectException e) {
      throw unreachable();
    } catch (IOException | java.io.UncheckedIOException e) {
      throw new Failure(0, "io", "Talking to " + base + " failed: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Failure(0, "interrupted", "Interrupted.");
    }
  }

  /** A request with what every call carries: the Accept wanted, who asks, a request id, the token. */
  private HttpRequest.Builder request(String path, String accept) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
        .header("Accept", accept)
        .header("User-Agent", "skiff-cli")
        .header("Request-Id", UUID.randomUUID().toString());
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return request;
  }

  /** A non-2xx answer, with Heroku's error id and message when the body has them. */
  private static Failure refused(int status, JsonNode json) {
    return new Failure(status, json.path("id").asText("error"), json.path("message").asText("HTTP " + status));
  }

  private Failure unreachable() {
    return new Failure(0, "unreachable", "Cannot reach the Skiff API at " + base
        + ". Is the server running (bin/skiff server)? Set SKIFF_HOST if it runs elsewhere.");
  }

  JsonNode send(String method, String path, Object body, String range) {
    try {
      HttpRequest.Builder request = request(path, "application/vnd.heroku+json; version=3")
          .timeout(Duration.ofSeconds(60));
      if (range != null) {
        request.header("Range", range);
      }
      if (body != null) {
        request.header("Content-Type", "application/json");
        request.method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
      } else {
        request.method(method, HttpRequest.BodyPublishers.noBody());
      }
      HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      JsonNode json = response.body().length == 0 ? JSON.createObjectNode() : JSON.readTree(response.body());
      if (response.statusCode() >= 400) {
        throw refused(response.statusCode(), json);
      }
      return json;
    } catch (ConnectException e) {
      throw unreachable();
    } catch (IOException e) {
      throw new Failure(0, "io", "Talking to " + base + " failed: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Failure(0, "interrupted", "Interrupted.");
    }
  }
}
