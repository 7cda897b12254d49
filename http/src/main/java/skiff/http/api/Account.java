package skiff.http.api;

/**
 * The user an API token belongs to; admins may do anything, read the whole platform's journal and
 * manage accounts.
 *
 * @param authorizationId the authorization (API token) the request came with; {@link #BOOTSTRAP}
 *     for the admin token set by SKIFF_ADMIN_TOKEN or admin.token
 */
public record Account(String id, String email, String name, boolean admin, String authorizationId) {
  public static final String BOOTSTRAP = "bootstrap";
}
