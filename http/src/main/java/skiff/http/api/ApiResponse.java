package skiff.http.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * What an endpoint answers: a status, a JSON body and any extra headers (paging), or, for answers
 * too long to hold (event streams, exports), a body streamed as it is produced.
 */
public record ApiResponse(int status, JsonNode body, Map<String, String> headers, Streamed streamed) {

  /** A body written while it is sent: server-sent events, JSON lines. */
  public record Streamed(ContentType type, Source<ByteString, ?> bytes) {}

  public ApiResponse(int status, JsonNode body, Map<String, String> headers) {
    this(status, body, headers, null);
  }

  public static ApiResponse ok(JsonNode body) {
    return new ApiResponse(200, body, Map.of());
  }

  public static ApiResponse created(JsonNode body) {
    return new ApiResponse(201, body, Map.of());
  }

  public static ApiResponse accepted(JsonNode body) {
    return new ApiResponse(202, body, Map.of());
  }

  public static ApiResponse streamed(ContentType type, Source<ByteString, ?> bytes, Map<String, String> headers) {
    return new ApiResponse(200, null, headers, new Streamed(type, bytes));
  }
}
