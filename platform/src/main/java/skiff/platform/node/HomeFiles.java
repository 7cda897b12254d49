package skiff.platform.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.stream.Stream;

/**
 * SKIFF_HOME holds the journal, keys, tokens and every app's code: only its owner may enter it.
 * The home itself is 0700 (which alone keeps other users out of everything below); the files that
 * hold secrets are 0600 as well, and bin/skiff runs the server with umask 077 so whatever it
 * creates later is its owner's only.
 */
final class HomeFiles {
  static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY_FILE =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
  private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> OWNER_RW = PosixFilePermissions.fromString("rw-------");

  private HomeFiles() {}

  /** Closes the home to other users, and its secret-holding files and the journal's directory. */
  static void close(Path home) throws IOException {
    restrictDir(home);
    Path journal = home.resolve("journal");
    if (Files.isDirectory(journal)) {
      restrictDir(journal);
      try (Stream<Path> files = Files.list(journal)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          restrict(f);
        }
      }
    }
    for (String name : new String[] {"admin.token", MasterKey.FILE}) {
      Path f = home.resolve(name);
      if (Files.exists(f)) {
        restrict(f);
      }
    }
  }

  static void restrict(Path file) throws IOException {
    try {
      if (Files.isRegularFile(file)) {
        Files.setPosixFilePermissions(file, OWNER_RW);
      }
    } catch (UnsupportedOperationException ignored) {
      // not a POSIX file system: nothing to set
    }
  }

  private static void restrictDir(Path dir) throws IOException {
    try {
      Files.setPosixFilePermissions(dir, OWNER_ONLY_DIR);
    } catch (UnsupportedOperationException ignored) {
      // not a POSIX file system
    }
  }
}
