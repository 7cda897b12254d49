package skiff.http.api;

/** The user an API token belongs to. */
public record Account(String id, String email, String name) {}
