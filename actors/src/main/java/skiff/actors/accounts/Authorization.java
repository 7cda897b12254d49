package skiff.actors.accounts;

import java.time.Instant;
import skiff.persistence.CborSerializable;
import skiff.persistence.JournalName;

/**
 * An API token of an account (Heroku's OAuth authorization), stored as the SHA-256 of the token:
 * the token itself is shown once, when it is made, and is never in the journal.
 *
 * @param expiresAt null for a token that does not expire
 */
@JournalName("shared.authorization")
public record Authorization(String id, String tokenHash, String description, Instant createdAt, Instant expiresAt)
    implements CborSerializable {

  public boolean expiredAt(Instant now) {
    return expiresAt != null && !now.isBefore(expiresAt);
  }
}
