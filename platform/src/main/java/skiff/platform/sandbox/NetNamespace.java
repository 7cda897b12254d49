package skiff.platform.sandbox;

import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * Makes a socket inside another network namespace: the calling thread enters it with setns(2),
 * the socket is made (a socket belongs to the namespace it was made in, wherever it is used from
 * later), and the thread returns to the host's namespace before anything else runs on it. Sockets
 * made so connect over that namespace's own loopback path.
 *
 * <p>The namespace is opened by path and then checked to be the one expected (its {@code net:[N]}
 * identity), so a process id reused after a sandbox ended can never lead into another namespace.
 */
public final class NetNamespace {
  private static final int CLONE_NEWNET = 0x40000000;
  private static final int O_RDONLY = 0;
  private static final int O_CLOEXEC = 0x80000;
  private static final int HOST;
  /** Whether this JVM can use setns(2) at all (JNA loaded, the host's namespace opened). */
  static final boolean AVAILABLE;

  static {
    int host = -1;
    try {
      host = LibC.open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    } catch (LinkageError e) {
      // no native access here: connections go by the link
    }
    HOST = host;
    AVAILABLE = host >= 0;
  }

  private NetNamespace() {}

  private static final class LibC {
    static {
      Native.register(Platform.C_LIBRARY_NAME);
    }

    static native int open(String path, int flags);

    static native int setns(int fd, int nstype);

    static native int close(int fd);
  }

  /** The identity ({@code net:[N]}) of the namespace at {@code path}, e.g. /proc/PID/ns/net. */
  public static String identity(Path path) throws IOException {
    return Files.readSymbolicLink(path).toString();
  }

  /** {@code make} run inside the namespace at {@code path}, which must still be {@code expected}. */
  public static <T> T inside(Path path, String expected, Supplier<T> make) {
    int fd = LibC.open(path.toString(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      throw new IllegalStateException("the dyno's network namespace is gone (" + path + ")");
    }
    try {
      String actual;
      try {
        actual = identity(Path.of("/proc/self/fd/" + fd));
      } catch (IOException e) {
        throw new IllegalStateException("cannot read " + path + ": " + e.getMessage());
      }
      if (!actual.equals(expected)) {
        throw new IllegalStateException(path + " is " + actual + " now, not the dyno's " + expected);
      }
      if (LibC.setns(fd, CLONE_NEWNET) != 0) {
        throw new IllegalStateException("setns into " + path + " failed (errno " + Native.getLastError() + ")");
      }
      try {
        return make.get();
      } finally {
        if (LibC.setns(HOST, CLONE_NEWNET) != 0) {
          // this thread would make every later socket in the dyno's namespace: it must not go on
          throw new Error("cannot return to the host's network namespace (errno " + Native.getLastError() + ")");
        }
      }
    } finally {
      LibC.close(fd);
    }
  }
}
