package skiff.persistence.secrets;

import com.typesafe.config.Config;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * Envelope encryption of config var values: each app has its own AES-256 data key, stored wrapped
 * (AES-GCM) by the node's master key in a {@link KeyStore}; each value is sealed with AES-GCM under
 * its app's key, bound to the app and the var's name. Deleting an app's key ({@link #shred}) makes
 * every value it ever sealed unreadable, in the journal, its snapshots, exports and backups, while
 * the rest of the app's history stays readable.
 */
public final class Keyring implements Extension {
  private static final int NONCE = 12;
  private static final int TAG_BITS = 128;
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final ThreadLocal<Cipher> CIPHERS = ThreadLocal.withInitial(() -> {
    try {
      return Cipher.getInstance("AES/GCM/NoPadding");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK has no AES/GCM", e);
    }
  });
  private static final AppKey SHREDDED = new AppKey("", null);

  private final SecretKey master;
  private final KeyStore store;
  private final ConcurrentHashMap<String, AppKey> cache = new ConcurrentHashMap<>();

  public Keyring(SecretKey master, KeyStore store) {
    this.master = master;
    this.store = store;
    String probe = "skiff master key check";
    Optional<String> check = store.check();
    if (check.isEmpty()) {
      store.saveCheck(Base64.getEncoder().encodeToString(encrypt(master, "check", probe.getBytes(StandardCharsets.UTF_8))));
      check = store.check(); // another node starting at the same time may have saved its own first
    }
    try {
      decrypt(master, "check", Base64.getDecoder().decode(check.orElseThrow()));
    } catch (IllegalStateException e) {
      throw new IllegalStateException("the master key given to this node (SKIFF_SECRET_KEY or SKIFF_HOME/secret.key)"
          + " is not the one this journal's secrets were sealed with; give every node the same key");
    }
  }

  /** A new random master key, as SKIFF_SECRET_KEY or the secret.key file hold it (base64). */
  public static String newMasterKey() {
    byte[] key = new byte[32];
    RANDOM.nextBytes(key);
    return Base64.getEncoder().encodeToString(key);
  }

  /** A master key from its base64 form: 32 bytes (AES-256). */
  public static SecretKey masterKey(String base64) {
    byte[] key;
    try {
      key = Base64.getDecoder().decode(base64.trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the master key is not base64; make one with: head -c 32 /dev/urandom | base64");
    }
    if (key.length != 32) {
      throw new IllegalArgumentException("the master key is " + key.length
          + " bytes; it must be 32 (head -c 32 /dev/urandom | base64)");
    }
    return new SecretKeySpec(key, "AES");
  }

  /** The key that seals an app's values, made on first use; shredded if the app's key was deleted. */
  public AppKey keyFor(String appId) {
    AppKey key = cache.get(appId);
    if (key != null) {
      return key;
    }
    return cache.computeIfAbsent(appId, id -> load(id).orElseGet(() -> {
      byte[] fresh = newDataKey();
      store.insertIfAbsent(id, Base64.getEncoder().encodeToString(encrypt(master, "app-key:" + id, fresh)));
      return load(id).orElseThrow(() -> new IllegalStateException("the data key of app " + id + " was not stored"));
    }));
  }

  /** The key that opens an app's values; shredded when there is none (never made, or deleted). */
  public AppKey existingKey(String appId) {
    AppKey key = cache.get(appId);
    if (key != null) {
      return key;
    }
    return cache.computeIfAbsent(appId, id -> load(id).orElse(SHREDDED));
  }

  /** Deletes an app's data key for good: its sealed values can never be read again. */
  public void shred(String appId) {
    store.shred(appId);
    cache.put(appId, SHREDDED);
  }

  private Optional<AppKey> load(String appId) {
    return store.load(appId).map(wrapped -> wrapped.isEmpty() ? SHREDDED
        : new AppKey(appId, new SecretKeySpec(decrypt(master, "app-key:" + appId, Base64.getDecoder().decode(wrapped)), "AES")));
  }

  private static byte[] newDataKey() {
    try {
      KeyGenerator generator = KeyGenerator.getInstance("AES");
      generator.init(256, RANDOM);
      return generator.generateKey().getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** AES-GCM under {@code key}, bound to {@code context}: the nonce, then the ciphertext and its tag. */
  public static byte[] encrypt(SecretKey key, String context, byte[] plain) {
    byte[] nonce = new byte[NONCE];
    RANDOM.nextBytes(nonce);
    try {
      Cipher cipher = CIPHERS.get();
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
      byte[] out = new byte[NONCE + cipher.getOutputSize(plain.length)];
      System.arraycopy(nonce, 0, out, 0, NONCE);
      cipher.doFinal(plain, 0, plain.length, out, NONCE);
      return out;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("could not seal a value: " + e.getMessage(), e);
    }
  }

  /** Opens what {@link #encrypt} sealed with the same key and context; IllegalStateException if it does not open. */
  public static byte[] decrypt(SecretKey key, String context, byte[] sealed) {
    if (sealed.length < NONCE + TAG_BITS / 8) {
      throw new IllegalStateException("a sealed value is too short to be one");
    }
    try {
      Cipher cipher = CIPHERS.get();
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, ByteBuffer.wrap(sealed, 0, NONCE).array(), 0, NONCE));
      cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
      return cipher.doFinal(sealed, NONCE, sealed.length - NONCE);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("a sealed value does not open with its key (tampered, or sealed elsewhere)", e);
    }
  }

  /** One app's data key. */
  public static final class AppKey {
    private final String appId;
    private final SecretKey key;

    AppKey(String appId, SecretKey key) {
      this.appId = appId;
      this.key = key;
    }

    public boolean shredded() {
      return key == null;
    }

    /**
     * The values sealed together under this key (one AES-GCM operation, whatever their number),
     * bound to the app and to the names they belong to, in order.
     */
    public byte[] seal(List<String> names, List<String> values) {
      java.io.ByteArrayOutputStream plain = new java.io.ByteArrayOutputStream();
      java.io.DataOutputStream out = new java.io.DataOutputStream(plain);
      try {
        for (String value : values) {
          byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
          out.writeInt(bytes.length);
          out.write(bytes);
        }
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      return encrypt(key, context(names), plain.toByteArray());
    }

    /** The values sealed for these names; fails if anything was changed or swapped. */
    public List<String> open(List<String> names, byte[] sealed) {
      java.io.DataInputStream in = new java.io.DataInputStream(
          new java.io.ByteArrayInputStream(decrypt(key, context(names), sealed)));
      List<String> values = new java.util.ArrayList<>(names.size());
      try {
        for (int i = 0; i < names.size(); i++) {
          byte[] bytes = new byte[in.readInt()];
          in.readFully(bytes);
          values.add(new String(bytes, StandardCharsets.UTF_8));
        }
      } catch (java.io.IOException e) {
        throw new IllegalStateException("sealed values do not match their names", e);
      }
      return values;
    }

    private String context(List<String> names) {
      return appId + "\0" + String.join("\0", names);
    }
  }

  // ---- the extension ---------------------------------------------------------------------------

  public static final ExtensionId<Keyring> ID = new ExtensionId<>() {
    @Override
    public Keyring createExtension(ActorSystem<?> system) {
      return fromConfig(system.settings().config());
    }
  };

  public static Keyring get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /**
   * {@code skiff.secrets.store = jdbc} keeps the data keys beside the journal (the write side's
   * database) under {@code skiff.secrets.master-key}; {@code memory}, the default, is for tests of
   * single entities: keys (and a random master key, if none is given) live only as long as the JVM.
   */
  static Keyring fromConfig(Config config) {
    String configured = config.getString("skiff.secrets.master-key");
    String storeKind = config.getString("skiff.secrets.store");
    if (storeKind.equals("jdbc")) {
      if (configured.isBlank()) {
        throw new IllegalStateException("skiff.secrets.store = jdbc needs skiff.secrets.master-key");
      }
      Config db = config.getConfig("pekko-persistence-jdbc.shared-databases.default.db");
      return new Keyring(masterKey(configured),
          new JdbcKeyStore(db.getString("url"), db.getString("user"), db.getString("password")));
    }
    if (!storeKind.equals("memory")) {
      throw new IllegalStateException("skiff.secrets.store = " + storeKind + "; use jdbc or memory");
    }
    return new Keyring(masterKey(configured.isBlank() ? newMasterKey() : configured), new MemoryKeyStore());
  }
}
