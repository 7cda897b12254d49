package skiff.http.api;

import java.util.concurrent.CompletionStage;

/** Answers one kind of API request. */
@FunctionalInterface
public interface Endpoint {
  CompletionStage<ApiResponse> handle(ApiCall call);
}
