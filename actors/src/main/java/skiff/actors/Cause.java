package skiff.actors;

import java.time.Instant;
import skiff.persistence.CborSerializable;
import skiff.persistence.JournalName;

/**
 * Who or what caused an event, when, and under which API request. Every event in the journal
 * carries one, which is what makes the journal an audit trail rather than a mere change log.
 *
 * @param actor the user's email, or {@code platform} / {@code router} for the platform's own acts
 * @param requestId the Request-Id of the API call that caused it, or {@code null} for platform acts
 * @param via the larger act this event is a step of, when there is one (e.g. {@code restore to
 *     2026-12-02T14:00:00Z}); {@code null} for plain requests and in journals written before it existed
 */
@JournalName("shared.cause")
public record Cause(String actor, Instant at, String requestId, String via) implements CborSerializable {
  public static final String PLATFORM = "platform";

  public Cause(String actor, Instant at, String requestId) {
    this(actor, at, requestId, null);
  }

  public static Cause platform(Instant at) {
    return new Cause(PLATFORM, at, null);
  }

  /** The same cause, as a step of {@code act}. */
  public Cause asStepOf(String act) {
    return new Cause(actor, at, requestId, act);
  }
}
