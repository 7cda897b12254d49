package skiff.platform.node;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import skiff.http.api.Account;
import skiff.http.api.Authenticator;
import skiff.http.api.Representations;

/** Accepts the admin token and answers with the first account. */
final class AdminAuthenticator implements Authenticator {
  private final byte[] token;
  private final Account admin;

  AdminAuthenticator(String token, String email) {
    this.token = token.getBytes(StandardCharsets.UTF_8);
    this.admin = new Account(Representations.accountId(email), email, "Admin", true);
  }

  @Override
  public Optional<Account> accountFor(String candidate) {
    // constant-time comparison: the token is the only secret guarding the API
    boolean match = MessageDigest.isEqual(token, candidate.getBytes(StandardCharsets.UTF_8));
    return match ? Optional.of(admin) : Optional.empty();
  }
}
