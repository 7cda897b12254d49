package skiff.platform.node;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One server per SKIFF_HOME: held for the node's life, released by the OS even after kill -9, so
 * a second server on the same data is refused at once instead of waiting on a locked journal.
 */
final class HomeLock implements AutoCloseable {
  private final FileChannel channel;
  private final FileLock lock;

  private HomeLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  static HomeLock acquire(Path home) {
    FileChannel channel = null;
    try {
      channel = FileChannel.open(home.resolve("server.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock = channel.tryLock();
      if (lock != null) {
        return new HomeLock(channel, lock);
      }
    } catch (OverlappingFileLockException alreadyHeldInThisJvm) {
      // same answer as another process holding it
    } catch (IOException e) {
      throw new SettingsException("SKIFF_HOME=" + home + " cannot be locked: " + e.getMessage());
    }
    try {
      channel.close();
    } catch (IOException ignored) {
      // nothing more to do
    }
    throw new SettingsException("SKIFF_HOME=" + home + " is in use by another running Skiff server: stop that server"
        + " or choose another SKIFF_HOME");
  }

  @Override
  public void close() {
    try {
      lock.release();
      channel.close();
    } catch (IOException ignored) {
      // the OS drops the lock with the process anyway
    }
  }
}
