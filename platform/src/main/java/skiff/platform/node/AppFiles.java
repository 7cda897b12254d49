package skiff.platform.node;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import skiff.actors.apps.AppEntity;
import skiff.actors.apps.AppObserver;
import skiff.actors.builds.Scratch;
import skiff.actors.builds.SharedFiles;

/**
 * Takes a destroyed app's files off the disk: its git repository, build cache and build logs at
 * once, and what is left of its dyno directories once its dynos have had their SIGTERM grace to
 * stop. (Slugs are shared by checksum between apps; the slug collector deletes the ones no app
 * keeps.) The journal keeps the app's history; its config values went with its key.
 */
final class AppFiles implements AppObserver {
  private static final Logger log = LoggerFactory.getLogger(AppFiles.class);

  private final Path home;
  private final Duration dynosGone;
  private final ScheduledExecutorService later;
  private final SharedFiles shared;

  AppFiles(Path home, Duration sigtermGrace, ScheduledExecutorService later, SharedFiles shared) {
    this.home = home;
    this.dynosGone = sigtermGrace.plusSeconds(5);
    this.later = later;
    this.shared = shared;
  }

  @Override
  public void changed(AppEntity.LiveApp app) {}

  @Override
  public void gone(String appId, String name) {}

  @Override
  public void destroyed(AppEntity.LiveApp last) {
    String id = last.id();
    delete(home.resolve("repos").resolve(id + ".git"));
    delete(home.resolve("cache").resolve(id));
    delete(home.resolve("cache").resolve(id + ".cluster-copy"));
    forget("git:" + id);
    forget("cache:" + id);
    for (var build : last.builds()) {
      delete(home.resolve("builds").resolve(build.id() + ".log"));
      delete(home.resolve("builds").resolve(build.id() + ".done"));
      forget("build-output:" + build.id());
    }
    later.schedule(() -> delete(home.resolve("dynos").resolve(id)), dynosGone.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The cluster's copy; other nodes' own copies stay on their disks (a known gap). */
  private void forget(String name) {
    try {
      shared.forget(name);
    } catch (Exception e) {
      log.warn("could not forget {} of a destroyed app in the cluster's database: {}", name, e.getMessage());
    }
  }

  private static void delete(Path path) {
    try {
      if (Files.isDirectory(path)) {
        Scratch.delete(path);
      } else {
        Files.deleteIfExists(path);
      }
    } catch (Exception e) {
      log.warn("could not delete {} of a destroyed app: {}", path, e.getMessage());
    }
  }
}
