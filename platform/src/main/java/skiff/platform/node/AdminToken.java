package skiff.platform.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;

/** The first account's API token: SKIFF_ADMIN_TOKEN if given, else the one generated into admin.token. */
public final class AdminToken {
  private AdminToken() {}

  public record Resolved(String token, boolean generated, Path file) {}

  public static Resolved resolve(Path home, Optional<String> fromSettings) throws IOException {
    Path file = home.resolve("admin.token");
    if (fromSettings.isPresent()) {
      return new Resolved(fromSettings.get(), false, file);
    }
    if (Files.exists(file)) {
      String token = Files.readString(file).trim();
      if (!token.isEmpty()) {
        return new Resolved(token, false, file);
      }
    }
    byte[] bytes = new byte[24];
    new SecureRandom().nextBytes(bytes);
    String token = "skiff-" + HexFormat.of().formatHex(bytes);
    Path tmp = home.resolve("admin.token.new");
    Files.writeString(tmp, token + "\n");
    try {
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException ignored) {
      // non-POSIX file system
    }
    Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    return new Resolved(token, true, file);
  }
}
