package skiff.actors.accounts;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Optional;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * Password hashes: bcrypt (BouncyCastle's OpenBSDBCrypt, {@code $2y$}) with a per-password salt.
 * bcrypt reads at most 72 bytes, so longer passwords are refused rather than silently cut.
 */
public final class Passwords {
  private static final int COST = 10;
  private static final int MIN_LENGTH = 8;
  private static final int MAX_BYTES = 72;
  private static final SecureRandom RANDOM = new SecureRandom();

  private Passwords() {}

  /** What is wrong with a password, if anything, said so the user can fix it. */
  public static Optional<String> problemWith(String password) {
    if (password == null || password.length() < MIN_LENGTH) {
      return Optional.of("A password needs at least " + MIN_LENGTH + " characters.");
    }
    if (password.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      return Optional.of("A password may have at most " + MAX_BYTES + " bytes (bcrypt ignores the rest).");
    }
    return Optional.empty();
  }

  public static String hash(String password) {
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    return OpenBSDBCrypt.generate("2y", password.toCharArray(), salt, COST);
  }

  public static boolean matches(String hash, String password) {
    if (hash == null || password == null || password.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      return false;
    }
    try {
      return OpenBSDBCrypt.checkPassword(hash, password.toCharArray());
    } catch (IllegalArgumentException malformed) {
      return false;
    }
  }

  /** A password for an account made without one: 20 characters from a 54-letter alphabet. */
  public static String generate() {
    String alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < 20; i++) {
      out.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
    }
    return out.toString();
  }
}
