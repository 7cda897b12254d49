package skiff.persistence.secrets;

import java.util.Optional;

/**
 * Where apps' wrapped data keys live: outside the journal, so deleting one really removes it. A
 * shredded app keeps an empty entry, so its id is never given a fresh key that would make later
 * writes readable again.
 */
public interface KeyStore {
  /** The app's wrapped key (base64), "" once shredded, empty if it never had one. */
  Optional<String> load(String appId);

  /** Stores the key unless the app has one (or had one) already; another node may have won. */
  void insertIfAbsent(String appId, String wrapped);

  void shred(String appId);

  /** A value sealed with the master key, to tell at start whether this node has the right one. */
  Optional<String> check();

  void saveCheck(String sealed);
}
