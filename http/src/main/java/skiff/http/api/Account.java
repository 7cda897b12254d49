package skiff.http.api;

/** The user an API token belongs to; admins may read the whole platform's journal. */
public record Account(String id, String email, String name, boolean admin) {}
