package skiff.http.git;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.StreamConverters;
import org.apache.pekko.util.ByteString;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.PacketLineOut;
import org.eclipse.jgit.transport.ReceiveCommand;
import org.eclipse.jgit.transport.ReceivePack;
import org.eclipse.jgit.transport.RefAdvertiser;
import org.eclipse.jgit.transport.UploadPack;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import skiff.actors.Cause;
import skiff.actors.apps.AppEntity.LiveApp;
import skiff.actors.accounts.Permission;
import skiff.actors.apps.AppService;
import skiff.actors.apps.RejectedException;
import skiff.actors.builds.BuildRecord;
import skiff.actors.builds.BuildService;
import skiff.actors.builds.Scratch;
import skiff.http.api.Account;
import skiff.http.api.ApiError;
import skiff.http.api.AppGuard;
import skiff.http.api.Authenticator;
import skiff.http.api.PlatformApi;

/**
 * Git's smart-HTTP protocol at {@code /APP.git}, served by JGit: clone and fetch (upload-pack) and
 * push (receive-pack). A push to main or master is built inside the pre-receive hook with the
 * build's output streamed live over git's side band; a failed build rejects the ref, so git exits
 * non-zero and nothing is released.
 */
public final class GitSmartHttp {
  private static final Logger log = LoggerFactory.getLogger(GitSmartHttp.class);
  private static final Pattern PATH =
      Pattern.compile("^/([a-z][a-z0-9-]*)\\.git/(info/refs|git-receive-pack|git-upload-pack)$");
  private static final Set<String> DEPLOY_REFS = Set.of("refs/heads/main", "refs/heads/master");
  private static final Duration READ_TIMEOUT = Duration.ofMinutes(5);
  private static final Duration WRITE_TIMEOUT = Duration.ofMinutes(2);

  private final AppService apps;
  private final BuildService builds;
  private final GitRepositories repos;
  private final Authenticator authenticator;
  private final AppGuard guard;
  private final Materializer materializer;
  private final Executor blocking;
  private final Path scratch;

  public GitSmartHttp(AppService apps, BuildService builds, GitRepositories repos, Authenticator authenticator,
      AppGuard guard, Materializer materializer, Executor blocking, Path scratch) {
    this.apps = apps;
    this.guard = guard;
    this.builds = builds;
    this.repos = repos;
    this.authenticator = authenticator;
    this.materializer = materializer;
    this.blocking = blocking;
    this.scratch = scratch;
  }

  public static boolean handles(HttpRequest request) {
    return PATH.matcher(request.getUri().path()).matches();
  }

  public CompletionStage<HttpResponse> handle(HttpRequest request) {
    Matcher m = PATH.matcher(request.getUri().path());
    if (!m.matches()) {
      return CompletableFuture.completedStage(text(404, "Not a git path."));
    }
    Optional<Account> account = PlatformApi.credentials(request).flatMap(authenticator::accountFor);
    if (account.isEmpty()) {
      request.discardEntityBytes(materializer);
      return CompletableFuture.completedStage(text(401,
          "Skiff needs your API token: use it as the password (any user name). skiff auth:token prints it.")
          .addHeader(RawHeader.create("WWW-Authenticate", "Basic realm=\"Skiff\"")));
    }
    String name = m.group(1);
    String action = m.group(2);
    // clone and fetch need view; a push (and its ref advertisement) needs deploy
    boolean pushing = action.equals("git-receive-pack")
        || request.getUri().query().get("service").map("git-receive-pack"::equals).orElse(false);
    return guard.find(name, account.get(), pushing ? Permission.DEPLOY : Permission.VIEW).thenCompose(app -> {
      try {
        return switch (action) {
          case "info/refs" -> advertise(request, app);
          case "git-receive-pack" -> serve(request, app, account.get(), true);
          default -> serve(request, app, account.get(), false);
        };
      } catch (RuntimeException e) {
        return CompletableFuture.failedStage(e);
      }
    }).exceptionally(error -> {
      request.discardEntityBytes(materializer);
      Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
          ? error.getCause() : error;
      if (cause instanceof ApiError refused && refused.status() == 403) {
        return text(403, (pushing ? "You may not push to " : "You may not read ") + name + ": " + refused.getMessage());
      }
      if (AppService.rejectionOf(error).isPresent() || cause instanceof ApiError) {
        return text(404, "App " + name + " not found. Create it with skiff apps:create " + name + ".");
      }
      log.error("git request for {} failed", name, error);
      return text(500, "Git request failed: " + error.getMessage());
    });
  }

  private CompletionStage<HttpResponse> advertise(HttpRequest request, LiveApp app) {
    request.discardEntityBytes(materializer);
    String service = request.getUri().query().get("service").orElse("");
    if (!service.equals("git-receive-pack") && !service.equals("git-upload-pack")) {
      return CompletableFuture.completedStage(text(403,
          "Skiff speaks git's smart HTTP protocol only; use a git client from this decade."));
    }
    return CompletableFuture.supplyAsync(() -> {
      try (Repository repo = repos.open(app.id())) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PacketLineOut out = new PacketLineOut(buffer);
        out.writeString("# service=" + service + "\n");
        out.end();
        RefAdvertiser.PacketLineOutRefAdvertiser advertiser = new RefAdvertiser.PacketLineOutRefAdvertiser(out);
        if (service.equals("git-receive-pack")) {
          ReceivePack pack = new ReceivePack(repo);
          pack.setBiDirectionalPipe(false);
          pack.sendAdvertisedRefs(advertiser);
        } else {
          UploadPack pack = new UploadPack(repo);
          pack.setBiDirectionalPipe(false);
          pack.sendAdvertisedRefs(advertiser);
        }
        return HttpResponse.create()
            .withEntity(gitType("application/x-" + service + "-advertisement"), buffer.toByteArray())
            .addHeader(RawHeader.create("Cache-Control", "no-cache"));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }, blocking);
  }

  /** Streams JGit's answer while it works, so build output reaches the pusher as it is written. */
  private CompletionStage<HttpResponse> serve(HttpRequest request, LiveApp app, Account account, boolean receive) {
    InputStream body = request.entity().getDataBytes().runWith(StreamConverters.asInputStream(READ_TIMEOUT),
        materializer);
    boolean gzip = request.getHeader("Content-Encoding").map(h -> h.value().contains("gzip")).orElse(false);
    Pair<OutputStream, Source<ByteString, org.apache.pekko.NotUsed>> response =
        StreamConverters.asOutputStream(WRITE_TIMEOUT).preMaterialize(materializer);
    String requestId = UUID.randomUUID().toString();
    blocking.execute(() -> {
      // a push holds the app's repository across the cluster and starts from its latest copy
      try (RepositorySync.Hold hold = receive ? repos.sync().hold(app.id()) : null;
          Repository repo = repos.open(app.id()); OutputStream out = response.first();
          InputStream in = gzip ? new GZIPInputStream(body) : body) {
        if (receive) {
          ReceivePack pack = new ReceivePack(repo);
          pack.setBiDirectionalPipe(false);
          pack.setAllowNonFastForwards(true); // git itself refuses non-fast-forwards unless --force
          pack.setAllowDeletes(false);
          Cause cause = new Cause(account.email(), Instant.now(), requestId);
          pack.setPreReceiveHook((rp, commands) -> {
            commands.forEach(cmd -> onPush(rp, repo, app, cmd, cause));
            store(rp, repo, app, commands);
          });
          pack.setPostReceiveHook((rp, commands) -> pointHeadAtDeployedBranch(repo, commands));
          pack.receive(in, new QuietRefUpdates(out), null);
        } else {
          UploadPack pack = new UploadPack(repo);
          pack.setBiDirectionalPipe(false);
          pack.upload(in, out, null);
        }
      } catch (Exception e) {
        log.warn("git {} for {} ended with {}", receive ? "push" : "fetch", app.name(), e.toString());
      }
    });
    String type = receive ? "application/x-git-receive-pack-result" : "application/x-git-upload-pack-result";
    return CompletableFuture.completedStage(HttpResponse.create()
        .withEntity(HttpEntities.createChunked(gitType(type), response.second()))
        .addHeader(RawHeader.create("Cache-Control", "no-cache"))
        .addHeader(RawHeader.create("Request-Id", requestId)));
  }

  private void onPush(ReceivePack pack, Repository repo, LiveApp app, ReceiveCommand cmd, Cause cause) {
    if (cmd.getResult() != ReceiveCommand.Result.NOT_ATTEMPTED) {
      return;
    }
    if (!DEPLOY_REFS.contains(cmd.getRefName())) {
      say(pack, "Pushed to " + cmd.getRefName() + ": only main and master are built, so nothing was deployed.");
      return;
    }
    Path tree = null;
    try {
      tree = Files.createTempDirectory(Files.createDirectories(scratch), "source-");
      String subject = TreeCheckout.checkout(repo, cmd.getNewId(), tree);
      BuildService.Source source = new BuildService.Source("git", cmd.getNewId().name(), subject, cmd.getRefName(),
          tree, Optional.empty());
      BuildRecord build;
      try {
        build = builds.begin(app.id(), source, cause);
      } catch (RejectedException busy) {
        say(pack, " !     " + busy.getMessage());
        cmd.setResult(ReceiveCommand.Result.REJECTED_OTHER_REASON, "another build is running");
        return;
      }
      BuildService.Outcome outcome = builds.run(app.id(), build, source, cause, line -> say(pack, line));
      if (!outcome.succeeded()) {
        cmd.setResult(ReceiveCommand.Result.REJECTED_OTHER_REASON, "pre-receive hook declined");
      }
    } catch (TreeCheckout.UnsafeTree unsafe) {
      say(pack, " !     " + unsafe.getMessage());
      cmd.setResult(ReceiveCommand.Result.REJECTED_OTHER_REASON, "unsafe symlink");
    } catch (Exception e) {
      log.error("build of {} failed", app.name(), e);
      say(pack, " !     Build failed inside Skiff: " + e.getMessage());
      cmd.setResult(ReceiveCommand.Result.REJECTED_OTHER_REASON, "build failed");
    } finally {
      if (tree != null) {
        Scratch.deleteQuietly(tree);
      }
    }
  }

  /**
   * The ref updates about to be made, stored as the cluster's copy of the repository before the
   * pusher hears they went through; if that fails they are refused, so no node ever lacks a push
   * its pusher was told of.
   */
  private void store(ReceivePack pack, Repository repo, LiveApp app, java.util.Collection<ReceiveCommand> commands) {
    java.util.Map<String, org.eclipse.jgit.lib.ObjectId> updates = new java.util.HashMap<>();
    for (ReceiveCommand cmd : commands) {
      if (cmd.getResult() == ReceiveCommand.Result.NOT_ATTEMPTED && cmd.getType() != ReceiveCommand.Type.DELETE) {
        updates.put(cmd.getRefName(), cmd.getNewId());
      }
    }
    if (updates.isEmpty()) {
      return;
    }
    try {
      repos.sync().push(app.id(), repo, updates);
    } catch (IOException e) {
      log.error("cannot store the repository of {} for the cluster", app.name(), e);
      say(pack, " !     Skiff could not store this push where every node can read it: " + e.getMessage());
      for (ReceiveCommand cmd : commands) {
        if (cmd.getResult() == ReceiveCommand.Result.NOT_ATTEMPTED) {
          cmd.setResult(ReceiveCommand.Result.REJECTED_OTHER_REASON, "not stored for the cluster");
        }
      }
    }
  }

  /** So that {@code git clone} checks out what was deployed, HEAD follows the branch that was built. */
  private static void pointHeadAtDeployedBranch(Repository repo, java.util.Collection<ReceiveCommand> commands) {
    try {
      Ref head = repo.exactRef(Constants.HEAD);
      boolean dangling = head == null || head.getObjectId() == null;
      for (ReceiveCommand cmd : commands) {
        if (dangling && cmd.getResult() == ReceiveCommand.Result.OK && DEPLOY_REFS.contains(cmd.getRefName())) {
          repo.updateRef(Constants.HEAD).link(cmd.getRefName());
          return;
        }
      }
    } catch (IOException e) {
      log.warn("could not point HEAD of {} at the deployed branch: {}", repo.getDirectory(), e.toString());
    }
  }

  /** One line to the pusher's terminal, flushed at once (git prefixes it with "remote: "). */
  private static void say(ReceivePack pack, String line) {
    try {
      OutputStream out = pack.getMessageOutputStream();
      out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
    } catch (IOException e) {
      log.debug("pusher went away: {}", e.toString());
    }
  }



  private static ContentType gitType(String mediaType) {
    return ContentTypes.parse(mediaType);
  }

  private static HttpResponse text(int status, String message) {
    return HttpResponse.create().withStatus(StatusCodes.get(status))
        .withEntity(ContentTypes.TEXT_PLAIN_UTF8, message + "\n");
  }
}
