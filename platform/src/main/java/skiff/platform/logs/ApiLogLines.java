package skiff.platform.logs;

import java.util.List;
import java.util.stream.Collectors;
import skiff.actors.Cause;
import skiff.actors.apps.AppEntity.LiveApp;
import skiff.actors.apps.AppObserver;
import skiff.actors.apps.FormationEntry;
import skiff.actors.apps.ReleaseRecord;
import skiff.actors.builds.BuildRecord;
import skiff.actors.dynos.LogSink;

/** The {@code app[api]} lines Heroku writes to an app's log for what users do through the API. */
public final class ApiLogLines implements AppObserver {
  private final LogSink logs;

  public ApiLogLines(LogSink logs) {
    this.logs = logs;
  }

  @Override
  public void changed(LiveApp app) {}

  @Override
  public void gone(String appId, String name) {}

  @Override
  public void released(LiveApp app, ReleaseRecord release) {
    String by = " by user " + release.cause().actor();
    logs.append(app.id(), "app", "api", release.description() + by);
    logs.append(app.id(), "app", "api", "Release v" + release.version() + " created" + by);
  }

  /** As Heroku logs builds: started and its end from the API, and why a build failed from the builder. */
  @Override
  public void built(LiveApp app, BuildRecord build) {
    switch (build.status()) {
      case BuildRecord.PENDING -> logs.append(app.id(), "app", "api", "Build started by user " + build.user());
      case BuildRecord.SUCCEEDED -> logs.append(app.id(), "app", "api", "Build succeeded");
      default -> {
        logs.append(app.id(), "app", "api", "Build failed -- check your build output: skiff builds:output "
            + build.id() + " -a " + app.name());
        logs.append(app.id(), "heroku", "build", "Build " + build.id() + " failed at " + build.failureStage() + ": "
            + build.failureReason());
      }
    }
  }

  @Override
  public void scaled(LiveApp app, List<FormationEntry> entries, Cause cause) {
    logs.append(app.id(), "app", "api", "Scaled to " + entries.stream()
        .map(e -> e.type() + "@" + e.quantity() + ":" + e.size()).collect(Collectors.joining(" "))
        + " by user " + cause.actor());
  }
}
