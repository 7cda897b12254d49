package skiff.http.api;

import java.util.Optional;

/** Finds the account behind an API token. */
@FunctionalInterface
public interface Authenticator {
  Optional<Account> accountFor(String token);
}
