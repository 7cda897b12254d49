package skiff.actors;

import java.time.Instant;
import skiff.persistence.CborSerializable;

/**
 * Who or what caused an event, when, and under which API request. Every event in the journal
 * carries one, which is what makes the journal an audit trail rather than a mere change log.
 *
 * @param actor the user's email, or {@code platform} / {@code router} for the platform's own acts
 * @param requestId the Request-Id of the API call that caused it, or {@code null} for platform acts
 */
public record Cause(String actor, Instant at, String requestId) implements CborSerializable {
  public static final String PLATFORM = "platform";

  public static Cause platform(Instant at) {
    return new Cause(PLATFORM, at, null);
  }
}
