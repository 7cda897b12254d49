package skiff.actors.builds;

import java.time.Instant;
import skiff.persistence.CborSerializable;
import skiff.persistence.JournalName;

/**
 * One build as the app remembers it: what was built, by whom, and how it ended.
 *
 * @param sourceKind {@code git} for a push, {@code tarball} for the builds API
 * @param version the commit (or the source's version) that was built
 * @param status {@code pending}, {@code succeeded} or {@code failed}
 */
@JournalName("shared.build")
public record BuildRecord(
    String id,
    String sourceKind,
    String version,
    String description,
    String status,
    String user,
    Instant createdAt,
    Instant updatedAt,
    String slugId,
    int releaseVersion,
    String buildpack,
    String failureStage,
    String failureReason)
    implements CborSerializable {

  public static final String PENDING = "pending";
  public static final String SUCCEEDED = "succeeded";
  public static final String FAILED = "failed";

  public static BuildRecord started(String id, String sourceKind, String version, String description, String user,
      Instant at) {
    return new BuildRecord(id, sourceKind, version, description, PENDING, user, at, at, null, 0, null, null, null);
  }

  public BuildRecord succeeded(String slugId, int releaseVersion, String buildpack, Instant at) {
    return new BuildRecord(id, sourceKind, version, description, SUCCEEDED, user, createdAt, at, slugId,
        releaseVersion, buildpack, null, null);
  }

  public BuildRecord failed(String stage, String reason, Instant at) {
    return new BuildRecord(id, sourceKind, version, description, FAILED, user, createdAt, at, null, 0, buildpack,
        stage, reason);
  }
}
