package skiff.http.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/** What an endpoint answers: a status, a JSON body and any extra headers (paging). */
public record ApiResponse(int status, JsonNode body, Map<String, String> headers) {
  public static ApiResponse ok(JsonNode body) {
    return new ApiResponse(200, body, Map.of());
  }

  public static ApiResponse created(JsonNode body) {
    return new ApiResponse(201, body, Map.of());
  }

  public static ApiResponse accepted(JsonNode body) {
    return new ApiResponse(202, body, Map.of());
  }
}
