package skiff.http.api;

import skiff.actors.apps.Rejection;

/** An error answer in Heroku's shape: an HTTP status, an error id and a message saying what to do. */
public final class ApiError extends RuntimeException {
  private final int status;
  private final String id;

  public ApiError(int status, String id, String message) {
    super(message, null, false, false);
    this.status = status;
    this.id = id;
  }

  public static ApiError badRequest(String message) {
    return new ApiError(400, "bad_request", message);
  }

  public static ApiError invalid(String message) {
    return new ApiError(422, "invalid_params", message);
  }

  public static ApiError notFound(String message) {
    return new ApiError(404, "not_found", message);
  }

  public static ApiError unauthorized() {
    return new ApiError(401, "unauthorized",
        "Invalid credentials provided. Send your API token as 'Authorization: Bearer TOKEN' (see skiff login).");
  }

  public static ApiError of(Rejection rejection) {
    return new ApiError(statusFor(rejection.id()), rejection.id(), rejection.message());
  }

  static int statusFor(String id) {
    return switch (id) {
      case "bad_request" -> 400;
      case "unauthorized" -> 401;
      case "forbidden" -> 403;
      case "not_found" -> 404;
      case "conflict" -> 409;
      case "gone" -> 410;
      case "requested_range_not_satisfiable" -> 416;
      case "invalid_params" -> 422;
      case "rate_limit" -> 429;
      case "unavailable" -> 503;
      default -> 500;
    };
  }

  public int status() {
    return status;
  }

  public String id() {
    return id;
  }
}
