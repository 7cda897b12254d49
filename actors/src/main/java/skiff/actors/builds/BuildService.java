package skiff.actors.builds;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import skiff.actors.Cause;
import skiff.actors.apps.AppEntity;
import skiff.actors.apps.AppService;
import skiff.actors.apps.RejectedException;
import skiff.actors.apps.ReleaseRecord;
import skiff.actors.apps.Slug;

/**
 * The build flow, from source to release: records the start on the app (which refuses a second
 * concurrent build), compiles with the {@link SlugCompiler}, and either finishes the build (the app
 * releases the slug) or fails it. Blocking: callers run it on a thread meant for that.
 */
public final class BuildService {
  private final AppService apps;
  private final SlugCompiler compiler;
  private final BuildLogs logs;
  private final java.util.function.Function<String, String> webUrl;

  public BuildService(AppService apps, SlugCompiler compiler, BuildLogs logs,
      java.util.function.Function<String, String> webUrl) {
    this.apps = apps;
    this.compiler = compiler;
    this.logs = logs;
    this.webUrl = webUrl;
  }

  /** What to build. {@code version} is the commit for git pushes. */
  public record Source(String kind, String version, String description, String ref, Path tree,
      Optional<String> buildpack) {}

  /** How a build ended: the release it made, or the reason it failed. */
  public record Outcome(String buildId, boolean succeeded, int releaseVersion, String failure) {}

  /** Registers the build with the app; throws a RejectedException (e.g. conflict) if it may not start. */
  public BuildRecord begin(String appIdentity, Source source, Cause cause) {
    BuildRecord build = BuildRecord.started(UUID.randomUUID().toString(), source.kind(), source.version(),
        source.description(), cause.actor(), cause.at());
    join(apps.command(appIdentity, r -> new AppEntity.StartBuild(build, source.ref(), cause, r)));
    try {
      logs.reserve(build.id());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return build;
  }

  /** Compiles and releases a build begun with {@link #begin}; every line also goes to {@code live}. */
  public Outcome run(String appIdentity, BuildRecord build, Source source, Cause cause, Consumer<String> live) {
    try (BuildLogs.Writer log = logs.open(build.id())) {
      Consumer<String> out = line -> {
        log.accept(line);
        live.accept(line);
      };
      AppEntity.LiveApp app = join(apps.find(appIdentity));
      Optional<String> buildpack = source.buildpack().or(() -> Optional.ofNullable(app.config().get("BUILDPACK_URL")));
      SlugCompiler.Result result;
      try {
        result = compiler.compile(new SlugCompiler.Request(app.id(), app.name(), source.tree(), app.config(), buildpack,
            skiff.actors.apps.Stacks.orDefault(app.buildStack())),
            out);
      } catch (BuildFailure failure) {
        return failed(app, build, failure, cause, out);
      } catch (RuntimeException crash) {
        String reason = "Internal error while building: " + crash;
        out.accept(" !     " + reason);
        join(apps.command(app.id(), r -> new AppEntity.FailBuild(build.id(), "internal", reason, now(cause), r)));
        throw crash;
      }
      Slug slug = new Slug(UUID.randomUUID().toString(), result.checksum(), result.size(), result.processTypes(),
          source.version(), source.description(), result.buildpack(), result.stack(), Instant.now());
      out.accept("-----> Launching...");
      AppEntity.Accepted released = join(apps.command(app.id(),
          r -> new AppEntity.FinishBuild(build.id(), slug, now(cause), r)));
      int version = released.release().version();
      if (released.release().status().equals(ReleaseRecord.PENDING)) {
        out.accept("-----> Running release command...");
        ReleaseRecord done = awaitReleasePhase(app.id(), version);
        if (!done.status().equals(ReleaseRecord.SUCCEEDED)) {
          out.accept(" !     Release command failed: release v" + version + " is marked failed and v"
              + join(apps.find(app.id())).currentVersion() + " keeps running. skiff logs shows its output.");
          return new Outcome(build.id(), false, version, "release command failed");
        }
      }
      out.accept("       Released v" + version);
      out.accept("       " + webUrl.apply(app.name()) + " deployed to Skiff");
      return new Outcome(build.id(), true, version, null);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Waits until the release phase of {@code version} has decided; the app records the outcome. */
  private ReleaseRecord awaitReleasePhase(String appId, int version) {
    while (true) {
      AppEntity.LiveApp app = join(apps.find(appId));
      if (app.pendingVersion() != version) {
        return join(apps.release(appId, version));
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while the release command ran", e);
      }
    }
  }

  /** Ends a begun build that failed before compiling (e.g. its source could not be fetched). */
  public Outcome fail(String appIdentity, BuildRecord build, BuildFailure failure, Cause cause) {
    try (BuildLogs.Writer log = logs.open(build.id())) {
      return failed(join(apps.find(appIdentity)), build, failure, cause, log);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private Outcome failed(AppEntity.LiveApp app, BuildRecord build, BuildFailure failure, Cause cause,
      Consumer<String> out) {
    out.accept(" !     " + failure.getMessage());
    out.accept(" !     Push rejected to " + app.name() + ".");
    join(apps.command(app.id(), r -> new AppEntity.FailBuild(build.id(), failure.stage(), failure.getMessage(),
        now(cause), r)));
    return new Outcome(build.id(), false, 0, failure.getMessage());
  }

  private static Cause now(Cause cause) {
    return new Cause(cause.actor(), Instant.now(), cause.requestId());
  }

  static <T> T join(java.util.concurrent.CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RejectedException r) {
        throw r;
      }
      throw e;
    }
  }

}
