package skiff.http.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import skiff.actors.Cause;
import skiff.actors.apps.AppEntity.LiveApp;
import skiff.actors.apps.AppService;
import skiff.actors.builds.BuildFailure;
import skiff.actors.builds.BuildRecord;
import skiff.actors.builds.BuildService;
import skiff.actors.builds.Scratch;
import skiff.http.builds.SourceBlobs;

/**
 * The Build and Source API: list and inspect builds, start one from a source tarball URL, and hand
 * out upload slots for tarballs ({@code POST /sources}, then PUT to {@code put_url}).
 */
public final class BuildEndpoints {
  private final AppService apps;
  private final BuildService builds;
  private final SourceBlobs sources;
  private final Representations json;
  private final PublicUrls urls;
  private final Executor blocking;
  private final Path scratch;

  public BuildEndpoints(AppService apps, BuildService builds, SourceBlobs sources, PublicUrls urls, Executor blocking,
      Path scratch) {
    this.apps = apps;
    this.builds = builds;
    this.sources = sources;
    this.json = new Representations(urls);
    this.urls = urls;
    this.blocking = blocking;
    this.scratch = scratch;
  }

  public void register(ApiRoutes routes) {
    routes.get("/apps/{app}/builds", call -> apps.find(call.app()).thenApply(app -> {
      RangeSpec range = RangeSpec.parse(call.header("Range").orElse(null), "created_at", "id");
      var page = Paging.apply(app.builds(), b -> range.field().equals("id") ? b.id() : b.createdAt().toString(), range);
      return new ApiResponse(page.status(),
          AppEndpoints.array(page.items().stream().map(b -> build(call, app, b)).toList()), page.headers());
    }));
    routes.get("/apps/{app}/builds/{build}", call -> apps.find(call.app()).thenApply(app -> ApiResponse.ok(
        build(call, app, app.build(call.param("build"))
            .orElseThrow(() -> ApiError.notFound("Couldn't find that build."))))));
    routes.post("/apps/{app}/builds", this::create);
    routes.post("/apps/{app}/sources", call -> apps.find(call.app()).thenApply(app -> sourceSlot(call)));
    routes.post("/sources", call -> CompletableFuture.completedStage(sourceSlot(call)));
  }

  private ObjectNode build(ApiCall call, LiveApp app, BuildRecord b) {
    ObjectNode n = Representations.JSON.createObjectNode();
    n.put("id", b.id());
    n.putObject("app").put("id", app.id()).put("name", app.name());
    var packs = n.putArray("buildpacks");
    if (b.buildpack() != null) {
      packs.addObject().put("name", b.buildpack()).put("url", b.buildpack());
    }
    n.put("status", b.status());
    // the stack a finished build ran on is its slug's; one still running builds on the app's build stack
    var slug = b.slugId() == null ? null : app.slugs().get(b.slugId());
    n.put("stack", skiff.actors.apps.Stacks.orDefault(slug != null ? slug.stack() : app.buildStack()));
    n.put("output_stream_url", call.base(urls) + "/streams/builds/" + b.id());
    ObjectNode blob = n.putObject("source_blob");
    blob.putNull("checksum");
    blob.putNull("url");
    blob.put("version", b.version());
    blob.put("version_description", b.description());
    if (b.slugId() == null) {
      n.putNull("slug");
    } else {
      n.putObject("slug").put("id", b.slugId());
    }
    String releaseId = b.releaseVersion() > 0 ? app.releaseId(b.releaseVersion()) : null;
    if (releaseId == null) {
      n.putNull("release");
    } else {
      n.putObject("release").put("id", releaseId).put("version", b.releaseVersion());
    }
    if (b.failureReason() != null) {
      n.put("failure", b.failureStage() + ": " + b.failureReason());
    }
    n.putObject("user").put("email", b.user()).put("id", Representations.accountId(b.user()));
    n.put("created_at", Representations.time(b.createdAt()));
    n.put("updated_at", Representations.time(b.updatedAt()));
    return n;
  }

  private ApiResponse sourceSlot(ApiCall call) {
    String id;
    try {
      id = sources.openSlot();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    ObjectNode n = Representations.JSON.createObjectNode();
    ObjectNode blob = n.putObject("source_blob");
    blob.put("get_url", call.base(urls) + "/sources/" + id);
    blob.put("put_url", call.base(urls) + "/sources/" + id);
    return ApiResponse.created(n);
  }

  /** Starts the build at once (refusing a second concurrent one) and runs it in the background. */
  private CompletionStage<ApiResponse> create(ApiCall call) {
    JsonNode body = call.jsonObject();
    JsonNode blob = body.get("source_blob");
    String url = blob == null ? null : PlatformApi.text(blob, "url");
    if (url == null) {
      throw ApiError.invalid("source_blob.url is required: the URL of a .tar.gz of the app's source"
          + " (POST /sources gives you one to upload to).");
    }
    String version = Optional.ofNullable(PlatformApi.text(blob, "version")).orElse("");
    String checksum = PlatformApi.text(blob, "checksum");
    List<String> packs = new ArrayList<>();
    JsonNode buildpacks = body.get("buildpacks");
    if (buildpacks != null && buildpacks.isArray()) {
      buildpacks.forEach(p -> packs.add(p.isObject() ? PlatformApi.text(p, "url") : p.asText()));
    }
    Cause cause = call.cause();
    return apps.find(call.app()).thenCompose(app -> CompletableFuture.supplyAsync(() -> {
      // resolving the URL's host may wait on DNS: off the API's threads
      sources.problemWith(url).ifPresent(problem -> {
        throw ApiError.invalid(problem);
      });
      Path tree;
      try {
        tree = Files.createTempDirectory(Files.createDirectories(scratch), "source-");
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      BuildService.Source source = new BuildService.Source("tarball", version,
          Optional.ofNullable(PlatformApi.text(blob, "version_description")).orElse("Build from " + url), null, tree,
          packs.stream().filter(p -> p != null && !p.isBlank()).findFirst());
      BuildRecord record = builds.begin(app.id(), source, cause);
      blocking.execute(() -> runInBackground(app, record, source, url, checksum, cause));
      return ApiResponse.created(build(call, app, record));
    }, blocking));
  }

  private void runInBackground(LiveApp app, BuildRecord record, BuildService.Source source, String url,
      String checksum, Cause cause) {
    try {
      try {
        sources.fetchAndUnpack(url, checksum, source.tree());
      } catch (BuildFailure failure) {
        builds.fail(app.id(), record, failure, cause);
        return;
      }
      builds.run(app.id(), record, source, cause, line -> { });
    } finally {
      Scratch.deleteQuietly(source.tree());
    }
  }


}
