package skiff.actors.dynos;

import java.util.Map;
import skiff.persistence.CborSerializable;
import skiff.persistence.JournalName;
import skiff.persistence.secrets.HoldsSecrets;
import skiff.persistence.secrets.SecretValues;

/**
 * What one formation dyno should run: a release's slug with its config vars and the process
 * type's command, on the stack the slug was built on ({@code null} in specs written before stacks:
 * the default stack, see DynoSpecMigration). Two specs with the same release version describe the same process.
 */
@JournalName(value = "shared.dyno-spec", migration = DynoSpecMigration.class)
public record DynoSpec(
    String appId,
    String appName,
    String type,
    int index,
    int releaseVersion,
    String slugChecksum,
    String command,
    @SecretValues Map<String, String> config,
    String size,
    String stack)
    implements CborSerializable, HoldsSecrets {

  @Override
  public String secretsOwner() {
    return appId;
  }

  public DynoSpec {
    config = Map.copyOf(config);
  }

  public String name() {
    return type + "." + index;
  }

  public boolean isWeb() {
    return type.equals("web");
  }
}
