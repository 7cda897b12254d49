package skiff.platform.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import skiff.persistence.secrets.Keyring;

/**
 * The node's master key, which wraps every app's data key: SKIFF_SECRET_KEY if given, else
 * SKIFF_HOME/secret.key, created (0600) at first start. A cluster's nodes must share one, so they
 * are given it by SKIFF_SECRET_KEY.
 */
public final class MasterKey {
  static final String FILE = "secret.key";

  private MasterKey() {}

  public static String resolve(Path home, Optional<String> fromSettings) throws IOException {
    if (fromSettings.isPresent()) {
      return fromSettings.get();
    }
    Path file = home.resolve(FILE);
    if (Files.exists(file)) {
      String key = Files.readString(file).trim();
      try {
        Keyring.masterKey(key);
      } catch (IllegalArgumentException e) {
        throw new SettingsException(file + " does not hold a master key: " + e.getMessage());
      }
      HomeFiles.restrict(file);
      return key;
    }
    String key = Keyring.newMasterKey();
    Path tmp = home.resolve(FILE + ".new");
    Files.deleteIfExists(tmp);
    Files.createFile(tmp, HomeFiles.OWNER_ONLY_FILE);
    Files.writeString(tmp, key + "\n");
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    return key;
  }
}
