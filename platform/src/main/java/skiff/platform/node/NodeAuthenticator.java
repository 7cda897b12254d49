package skiff.platform.node;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Optional;
import skiff.actors.accounts.AccessView;
import skiff.http.api.Account;
import skiff.http.api.Authenticator;
import skiff.http.api.Representations;

/**
 * Accepts the bootstrap admin token (SKIFF_ADMIN_TOKEN or admin.token) and every live token of
 * every account, looked up in the node's {@link AccessView}: no entity is asked per request.
 */
final class NodeAuthenticator implements Authenticator {
  private final byte[] bootstrap;
  private final String adminEmail;
  private final AccessView view;

  NodeAuthenticator(String bootstrapToken, String adminEmail, AccessView view) {
    this.bootstrap = bootstrapToken.getBytes(StandardCharsets.UTF_8);
    this.adminEmail = adminEmail;
    this.view = view;
  }

  @Override
  public Optional<Account> accountFor(String candidate) {
    // constant-time comparison: the bootstrap token guards everything
    if (MessageDigest.isEqual(bootstrap, candidate.getBytes(StandardCharsets.UTF_8))) {
      String name = view.account(adminEmail).map(a -> a.name()).orElse("Admin");
      return Optional.of(new Account(Representations.accountId(adminEmail), adminEmail, name, true, Account.BOOTSTRAP));
    }
    return view.byToken(candidate, Instant.now()).map(grant -> new Account(grant.account().id(),
        grant.account().email(), grant.account().name(), grant.account().admin(), grant.authorization().id()));
  }
}
