package skiff.actors.apps;

/** Carries a {@link Rejection} through a failed CompletionStage to the API layer. */
public final class RejectedException extends RuntimeException {
  private final Rejection rejection;

  public RejectedException(Rejection rejection) {
    super(rejection.message(), null, false, false);
    this.rejection = rejection;
  }

  public Rejection rejection() {
    return rejection;
  }
}
