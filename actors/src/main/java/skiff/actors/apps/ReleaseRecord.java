package skiff.actors.apps;

import java.util.Map;
import skiff.actors.Cause;
import skiff.persistence.CborSerializable;
import skiff.persistence.JournalName;
import skiff.persistence.secrets.HoldsSecrets;
import skiff.persistence.secrets.SecretValues;

/**
 * Everything that makes up one release: the slug it runs, the config vars it runs with and the
 * process types it offers. Immutable once issued; a rollback issues a new one with old contents.
 *
 * @param slugId {@code null} for releases made before the first deploy
 */
@JournalName("shared.release")
public record ReleaseRecord(
    String appId,
    String id,
    int version,
    String description,
    String slugId,
    @SecretValues Map<String, String> config,
    Map<String, String> processTypes,
    String status,
    Cause cause)
    implements CborSerializable, HoldsSecrets {

  public static final String SUCCEEDED = "succeeded";
  public static final String PENDING = "pending";
  public static final String FAILED = "failed";

  /**
   * A release's id, derived from the app and the version, so an app's state need not remember the id
   * of every release it ever had (that made each event cost time in the number of releases).
   */
  public static String idFor(String appId, int version) {
    return java.util.UUID.nameUUIDFromBytes(("release:" + appId + ":v" + version)
        .getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString();
  }

  @Override
  public String secretsOwner() {
    return appId;
  }

  public ReleaseRecord {
    config = Map.copyOf(config);
    processTypes = Map.copyOf(processTypes);
  }

  public ReleaseRecord withStatus(String newStatus) {
    return new ReleaseRecord(appId, id, version, description, slugId, config, processTypes, newStatus, cause);
  }
}
