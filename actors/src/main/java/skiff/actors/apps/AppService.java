package skiff.actors.apps;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import skiff.actors.Cause;

/**
 * The control plane's front door for apps: resolves names through the {@link AppDirectory},
 * talks to {@link AppEntity} and {@link ReleaseEntity} through sharding, and turns rejections into
 * failed stages carrying a {@link RejectedException}. The API layer needs nothing else.
 */
public final class AppService {
  private static final int NAME_ATTEMPTS = 8;
  /** Custom domains are claimed in the directory too, under this prefix no app name can have. */
  private static final String DOMAIN_CLAIM = "domain:";
  private static final java.util.regex.Pattern HOSTNAME =
      java.util.regex.Pattern.compile("^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z][a-z0-9-]{0,62}$");

  private final ClusterSharding sharding;
  private final Duration timeout;

  public AppService(ActorSystem<?> system, Duration timeout) {
    this.sharding = ClusterSharding.get(system);
    this.timeout = timeout;
  }

  /** Starts the app-side entities on this node; every node of a cluster calls it. */
  public static void initEntities(ActorSystem<?> system, Duration timeout, DynoScheduler scheduler,
      AppObserver observer) {
    ReleaseEntity.init(system);
    AppDirectory.init(system);
    ClusterSharding sharding = ClusterSharding.get(system);
    AppEntity.init(system, release -> sharding
        .entityRefFor(ReleaseEntity.TYPE_KEY, ReleaseEntity.entityId(release.appId(), release.version()))
        .<ReleaseEntity.Reply>ask(replyTo -> new ReleaseEntity.Record(release, replyTo), timeout)
        .thenApply(reply -> {
          if (reply instanceof Rejection r) {
            throw r.asException();
          }
          return org.apache.pekko.Done.getInstance();
        }), scheduler, observer);
  }

  // ---- apps --------------------------------------------------------------------------------

  public CompletionStage<AppEntity.LiveApp> create(Optional<String> requestedName, String owner, String region,
      String stack, Cause cause) {
    if (requestedName.isPresent()) {
      return createNamed(requestedName.get(), owner, region, stack, cause);
    }
    return createGenerated(owner, region, stack, cause, NAME_ATTEMPTS);
  }

  private CompletionStage<AppEntity.LiveApp> createGenerated(String owner, String region, String stack, Cause cause,
      int attemptsLeft) {
    String name = AppNames.generate(ThreadLocalRandom.current());
    return createNamed(name, owner, region, stack, cause).exceptionallyCompose(error -> {
      if (attemptsLeft > 1 && rejectionOf(error).filter(r -> r.message().contains("already taken")).isPresent()) {
        return createGenerated(owner, region, stack, cause, attemptsLeft - 1);
      }
      return CompletableFuture.failedStage(error);
    });
  }

  private CompletionStage<AppEntity.LiveApp> createNamed(String name, String owner, String region, String stack,
      Cause cause) {
    var problem = AppNames.problemWith(name);
    if (problem.isPresent()) {
      return CompletableFuture.failedStage(Rejection.invalid(problem.get()).asException());
    }
    String appId = java.util.UUID.randomUUID().toString();
    return directory(replyTo -> new AppDirectory.Claim(name, appId, cause, replyTo))
        .exceptionallyCompose(error -> adoptOrphanedClaim(name, error))
        .thenCompose(claimed -> app(claimed.appId(),
            replyTo -> new AppEntity.Create(name, owner, region, stack, cause, replyTo)))
        .thenApply(AppEntity.Accepted::app);
  }

  /**
   * A node that died between claiming a name and creating the app leaves a claim with no app
   * behind it. Such a claim is taken over by the next create of that name instead of blocking it.
   */
  private CompletionStage<AppDirectory.Resolved> adoptOrphanedClaim(String name, Throwable error) {
    if (rejectionOf(error).isEmpty()) {
      return CompletableFuture.failedStage(error);
    }
    return directory(replyTo -> new AppDirectory.Resolve(name, replyTo))
        .thenCompose(holder -> app(holder.appId(), AppEntity.Get::new)
            .handle((found, missing) -> {
              if (found == null && rejectionOf(missing).filter(r -> r.id().equals("not_found")).isPresent()) {
                return holder;
              }
              throw error instanceof RuntimeException re ? re : new RuntimeException(error);
            }));
  }

  public CompletionStage<AppEntity.LiveApp> find(String identity) {
    return resolve(identity).thenCompose(appId -> app(appId, AppEntity.Get::new)).thenApply(AppEntity.Accepted::app);
  }

  public CompletionStage<List<AppEntity.LiveApp>> list() {
    return everyApp(e -> true);
  }

  /**
   * The checksum of every slug any live app keeps. Unlike {@link #list} it fails when one app does
   * not answer: what it returns decides which slug files may be deleted.
   */
  public CompletionStage<java.util.Set<String>> keptSlugChecksums() {
    // an app destroyed meanwhile keeps nothing; any other failure stops the collection
    return everyApp(e -> rejectionOf(e).map(r -> r.id().equals("not_found")).orElse(false)).thenApply(apps -> {
      java.util.Set<String> kept = new java.util.HashSet<>();
      apps.forEach(app -> app.slugs().values().forEach(slug -> kept.add(slug.checksum())));
      return kept;
    });
  }

  /** Every app in the directory, asked at once; one whose failure {@code skippable} accepts is left out. */
  private CompletionStage<List<AppEntity.LiveApp>> everyApp(java.util.function.Predicate<Throwable> skippable) {
    return directoryRaw(AppDirectory.ListAll::new).thenCompose(listing -> {
      List<CompletableFuture<Optional<AppEntity.LiveApp>>> lookups = new ArrayList<>();
      for (var entry : ((AppDirectory.Listing) listing).appIdsByName().entrySet()) {
        if (entry.getKey().startsWith(DOMAIN_CLAIM)) {
          continue;
        }
        lookups.add(app(entry.getValue(), AppEntity.Get::new)
            .thenApply(a -> Optional.of(a.app()))
            .exceptionally(e -> {
              if (skippable.test(e)) {
                return Optional.empty();
              }
              throw e instanceof java.util.concurrent.CompletionException c ? c
                  : new java.util.concurrent.CompletionException(e);
            })
            .toCompletableFuture());
      }
      return CompletableFuture.allOf(lookups.toArray(CompletableFuture[]::new))
          .thenApply(v -> lookups.stream().map(CompletableFuture::join).flatMap(Optional::stream).toList());
    });
  }

  public CompletionStage<AppEntity.LiveApp> rename(String identity, String newName, Cause cause) {
    var problem = AppNames.problemWith(newName);
    if (problem.isPresent()) {
      return CompletableFuture.failedStage(Rejection.invalid(problem.get()).asException());
    }
    return find(identity).thenCompose(app -> directory(
            replyTo -> new AppDirectory.MoveName(app.id(), app.name(), newName, cause, replyTo))
        .thenCompose(moved -> app(app.id(), replyTo -> new AppEntity.Rename(newName, cause, replyTo)))
        .thenApply(AppEntity.Accepted::app));
  }

  public CompletionStage<AppEntity.LiveApp> destroy(String identity, Cause cause) {
    return find(identity).thenCompose(app -> app(app.id(), replyTo -> new AppEntity.Destroy(cause, replyTo))
        .thenCompose(gone -> directory(replyTo -> new AppDirectory.ReleaseName(app.name(), app.id(), cause, replyTo)))
        .thenCompose(released -> {
          CompletableFuture<?>[] domains = app.customDomains().stream()
              .map(host -> releaseDomain(app.id(), host, cause).toCompletableFuture())
              .toArray(CompletableFuture[]::new);
          return CompletableFuture.allOf(domains);
        })
        .thenApply(released -> app));
  }

  /** Claims a custom domain cluster-wide, then tells the app; a domain belongs to one app only. */
  public CompletionStage<AppEntity.LiveApp> addDomain(String identity, String hostname, Cause cause) {
    String host = hostname == null ? "" : hostname.trim().toLowerCase();
    if (!HOSTNAME.matcher(host).matches()) {
      return CompletableFuture.failedStage(Rejection.invalid("'" + hostname + "' is not a hostname; give one such"
          + " as www.example.com.").asException());
    }
    return find(identity).thenCompose(app -> claimDomain(app.id(), host, cause)
        .thenCompose(claimed -> app(app.id(), r -> new AppEntity.AddDomain(host, cause, r)))
        .thenApply(AppEntity.Accepted::app));
  }

  public CompletionStage<AppEntity.LiveApp> removeDomain(String identity, String hostname, Cause cause) {
    String host = hostname.trim().toLowerCase();
    return find(identity).thenCompose(app -> app(app.id(), r -> new AppEntity.RemoveDomain(host, cause, r))
        .thenCompose(done -> releaseDomain(app.id(), host, cause).thenApply(released -> done.app())));
  }

  /** Claims a domain for the app in the directory; fails with a clear rejection when another app holds it. */
  public CompletionStage<AppDirectory.Resolved> claimDomain(String appId, String host, Cause cause) {
    return directory(r -> new AppDirectory.Claim(DOMAIN_CLAIM + host, appId, cause, r))
        .exceptionallyCompose(e -> CompletableFuture.failedStage(rejectionOf(e).isPresent()
            ? Rejection.invalid("The domain " + host + " is already in use by another app.").asException() : e));
  }

  /** The app that holds a custom domain, if any. */
  public CompletionStage<Optional<String>> domainHolder(String host) {
    return directory(r -> new AppDirectory.Resolve(DOMAIN_CLAIM + host, r))
        .thenApply(resolved -> Optional.of(resolved.appId()))
        .exceptionally(e -> {
          if (rejectionOf(e).isPresent()) {
            return Optional.empty();
          }
          throw e instanceof RuntimeException re ? re : new java.util.concurrent.CompletionException(e);
        });
  }

  public CompletionStage<AppDirectory.Resolved> releaseDomain(String appId, String host, Cause cause) {
    return directory(r -> new AppDirectory.ReleaseName(DOMAIN_CLAIM + host, appId, cause, r));
  }

  // ---- restores ----------------------------------------------------------------------------

  /** What bringing the app back to {@code then}, its state at {@code to}, would change now. */
  public CompletionStage<RestorePlan> planRestore(String appId, AppEntity.LiveApp then, java.time.Instant to) {
    return ask(appId, r -> new AppEntity.PlanRestore(then, to, r))
        .thenApply(reply -> ((AppEntity.Planned) reply).plan());
  }

  /** Sends a command to the app behind a name or id and returns what the app answered. */
  public CompletionStage<AppEntity.Accepted> command(String identity,
      Function<ActorRef<AppEntity.Reply>, AppEntity.Command> command) {
    return resolve(identity).thenCompose(appId -> app(appId, command));
  }

  // ---- releases ----------------------------------------------------------------------------

  public CompletionStage<ReleaseRecord> release(String appId, int version) {
    return sharding.entityRefFor(ReleaseEntity.TYPE_KEY, ReleaseEntity.entityId(appId, version))
        .<ReleaseEntity.Reply>ask(ReleaseEntity.Get::new, timeout)
        .thenApply(reply -> {
          if (reply instanceof ReleaseEntity.Found found) {
            return found.release();
          }
          throw ((Rejection) reply).asException();
        });
  }

  public CompletionStage<List<ReleaseRecord>> releases(String appId, List<Integer> versions) {
    List<CompletableFuture<ReleaseRecord>> lookups =
        versions.stream().map(v -> release(appId, v).toCompletableFuture()).toList();
    return CompletableFuture.allOf(lookups.toArray(CompletableFuture[]::new))
        .thenApply(v -> lookups.stream().map(CompletableFuture::join).toList());
  }

  /** A release by version number ("3" or "v3") or by id. */
  public CompletionStage<ReleaseRecord> release(AppEntity.LiveApp app, String versionOrId) {
    int version = parseVersion(versionOrId).orElseGet(() -> app.versionOf(versionOrId));
    if (!app.hasRelease(version)) {
      return CompletableFuture.failedStage(Rejection.notFound("Couldn't find that release ("
          + versionOrId + "). " + app.name() + " has releases v1 to v" + app.currentVersion() + ".").asException());
    }
    return release(app.id(), version);
  }

  public CompletionStage<AppEntity.Accepted> rollback(String identity, String versionOrId, Cause cause) {
    return find(identity).thenCompose(app -> release(app, versionOrId)
        .thenCompose(target -> app(app.id(), replyTo -> new AppEntity.Rollback(target, cause, replyTo))));
  }

  private static Optional<Integer> parseVersion(String text) {
    String digits = text.startsWith("v") ? text.substring(1) : text;
    if (digits.isEmpty() || digits.length() > 9 || !digits.chars().allMatch(Character::isDigit)) {
      return Optional.empty();
    }
    return Optional.of(Integer.parseInt(digits));
  }

  // ---- plumbing ----------------------------------------------------------------------------

  private CompletionStage<String> resolve(String identity) {
    if (AppNames.looksLikeId(identity)) {
      return CompletableFuture.completedStage(identity);
    }
    return directory(replyTo -> new AppDirectory.Resolve(identity, replyTo)).thenApply(AppDirectory.Resolved::appId);
  }

  private CompletionStage<AppEntity.Accepted> app(String appId,
      Function<ActorRef<AppEntity.Reply>, AppEntity.Command> command) {
    return ask(appId, command).thenApply(reply -> (AppEntity.Accepted) reply);
  }

  /** The app's answer; a rejection fails the stage with a {@link RejectedException}. */
  private CompletionStage<AppEntity.Reply> ask(String appId,
      Function<ActorRef<AppEntity.Reply>, AppEntity.Command> command) {
    EntityRef<AppEntity.Command> ref = sharding.entityRefFor(AppEntity.TYPE_KEY, appId);
    return ref.<AppEntity.Reply>ask(command::apply, timeout).thenApply(reply -> {
      if (reply instanceof Rejection rejection) {
        throw rejection.asException();
      }
      return reply;
    });
  }

  private CompletionStage<AppDirectory.Resolved> directory(
      Function<ActorRef<AppDirectory.Reply>, AppDirectory.Command> command) {
    return directoryRaw(command).thenApply(reply -> (AppDirectory.Resolved) reply);
  }

  private CompletionStage<AppDirectory.Reply> directoryRaw(
      Function<ActorRef<AppDirectory.Reply>, AppDirectory.Command> command) {
    return sharding.entityRefFor(AppDirectory.TYPE_KEY, AppDirectory.ENTITY_ID)
        .<AppDirectory.Reply>ask(command::apply, timeout)
        .thenApply(reply -> {
          if (reply instanceof Rejection r) {
            throw r.asException();
          }
          return reply;
        });
  }

  public static Optional<Rejection> rejectionOf(Throwable error) {
    Throwable t = error;
    while (t != null) {
      if (t instanceof RejectedException r) {
        return Optional.of(r.rejection());
      }
      t = t.getCause();
    }
    return Optional.empty();
  }
}
