package skiff.actors.apps;

/**
 * A command refused by an entity, with one of Heroku's error ids ({@code not_found},
 * {@code invalid_params}, {@code conflict}, …) and a message that says what to do about it.
 * Nothing is persisted when a command is rejected.
 */
public record Rejection(String id, String message)
    implements AppEntity.Reply, AppDirectory.Reply, ReleaseEntity.Reply {

  public static Rejection appNotFound() {
    return new Rejection("not_found", "Couldn't find that app.");
  }

  public static Rejection invalid(String message) {
    return new Rejection("invalid_params", message);
  }

  public static Rejection notFound(String message) {
    return new Rejection("not_found", message);
  }

  public RejectedException asException() {
    return new RejectedException(this);
  }
}
