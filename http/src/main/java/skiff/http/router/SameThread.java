package skiff.http.router;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Pekko's Java API hands out futures converted from Scala's, whose plain {@code thenApply},
 * {@code handle} and {@code whenComplete} run their callback on the common pool; with fewer than
 * three cores that pool is a new thread per callback, about a millisecond per routed request.
 * The router's callbacks are short and never block, so they run where the future completes.
 */
final class SameThread {
  private SameThread() {}

  static <T> CompletableFuture<T> of(CompletionStage<T> stage) {
    CompletableFuture<T> plain = new CompletableFuture<>();
    stage.whenCompleteAsync((value, error) -> {
      if (error != null) {
        plain.completeExceptionally(error);
      } else {
        plain.complete(value);
      }
    }, Runnable::run);
    return plain;
  }
}
