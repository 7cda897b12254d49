package skiff.persistence.secrets;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Keys for one JVM's lifetime: entity tests that never restart the platform. */
final class MemoryKeyStore implements KeyStore {
  private final ConcurrentHashMap<String, String> keys = new ConcurrentHashMap<>();
  private volatile String check;

  @Override
  public Optional<String> load(String appId) {
    return Optional.ofNullable(keys.get(appId));
  }

  @Override
  public void insertIfAbsent(String appId, String wrapped) {
    keys.putIfAbsent(appId, wrapped);
  }

  @Override
  public void shred(String appId) {
    keys.put(appId, "");
  }

  @Override
  public Optional<String> check() {
    return Optional.ofNullable(check);
  }

  @Override
  public void saveCheck(String sealed) {
    check = sealed;
  }
}
