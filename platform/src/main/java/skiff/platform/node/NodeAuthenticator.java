package skiff.platform.node;

import java.security.MessageDigest;
import java.time.Instant;
import java.util.Optional;
import skiff.actors.accounts.AccessView;
import skiff.http.api.Account;
import skiff.http.api.Authenticator;
import skiff.http.api.Representations;

/**
 * Accepts the bootstrap admin token (SKIFF_ADMIN_TOKEN or admin.token, the cluster's first node's) and every live token of
 * every account, looked up in the node's {@link AccessView}: no entity is asked per request.
 */
final class NodeAuthenticator implements Authenticator {
  private final byte[] bootstrapSha256;
  private final String adminEmail;
  private final AccessView view;

  /** {@code bootstrapSha256}: the cluster's bootstrap token's hash (see ClusterSecrets). */
  NodeAuthenticator(byte[] bootstrapSha256, String adminEmail, AccessView view) {
    this.bootstrapSha256 = bootstrapSha256.clone();
    this.adminEmail = adminEmail;
    this.view = view;
  }

  @Override
  public Optional<Account> accountFor(String candidate) {
    // constant-time comparison of hashes: the bootstrap token guards everything
    if (MessageDigest.isEqual(bootstrapSha256, ClusterSecrets.sha256(candidate))) {
      String name = view.account(adminEmail).map(a -> a.name()).orElse("Admin");
      return Optional.of(new Account(Representations.accountId(adminEmail), adminEmail, name, true, Account.BOOTSTRAP));
    }
    return view.byToken(candidate, Instant.now()).map(grant -> new Account(grant.account().id(),
        grant.account().email(), grant.account().name(), grant.account().admin(), grant.authorization().id()));
  }
}
