package skiff.actors.history;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import skiff.actors.Cause;
import skiff.actors.apps.AppEntity;
import skiff.actors.apps.AppService;
import skiff.actors.apps.ReleaseRecord;
import skiff.actors.apps.Rejection;
import skiff.actors.apps.RestorePlan;
import skiff.actors.apps.Slug;
import skiff.actors.builds.SlugStore;

/**
 * Brings an app back to how it was at an instant: its journal replayed up to then gives the past
 * state, the app entity turns the difference into ordinary events (each caused by the caller, as a
 * step of "restore to T"), and the directory's domain claims follow. Nothing changes when the
 * restore is refused; a dry run answers the same plan and changes nothing.
 */
public final class Restores {
  private final AppService apps;
  private final AppHistory history;
  private final SlugStore slugs;

  public Restores(AppService apps, AppHistory history, SlugStore slugs) {
    this.apps = apps;
    this.history = history;
    this.slugs = slugs;
  }

  /** The plan, and with a real run the app after it and the release it issued (if any). */
  public record Outcome(RestorePlan plan, AppEntity.LiveApp app, ReleaseRecord release) {}

  public CompletionStage<Outcome> restore(String identity, Instant to, boolean dryRun, Cause cause) {
    if (to.isAfter(cause.at())) {
      return failed(Rejection.invalid(to + " is in the future (it is now " + cause.at()
          + "). Give an instant in the app's past, e.g. 2h for two hours ago."));
    }
    return apps.find(identity).thenCompose(now -> history.at(now.id(), to).thenCompose(past -> {
      if (!(past.app() instanceof AppEntity.LiveApp then)) {
        return failed(Rejection.invalid(now.name() + " did not exist at " + to + "; its history begins at "
            + past.createdAt() + ". Restore to an instant after that."));
      }
      return apps.planRestore(now.id(), then, to).thenCompose(plan -> {
        var missing = missingSlug(now, then, plan);
        if (missing != null) {
          return failed(missing);
        }
        if (dryRun || plan.isEmpty()) {
          return CompletableFuture.completedStage(new Outcome(plan, now, null));
        }
        return apply(now, then, plan, cause.asStepOf("restore to " + to));
      });
    }));
  }

  /** The slug that ran then must still be in the store, or its dynos could not start. */
  private Rejection missingSlug(AppEntity.LiveApp now, AppEntity.LiveApp then, RestorePlan plan) {
    if (plan.release() == null || plan.release().slugId() == null) {
      return null;
    }
    Slug slug = now.slugs().get(plan.release().slugId());
    if (slug != null && slugs.find(slug.checksum()).isPresent()) {
      return null;
    }
    return new Rejection("not_found", "The slug that ran at " + plan.to() + " (v" + then.currentVersion() + ", "
        + (slug == null ? plan.release().slugId() : slug.checksum()) + ") is no longer stored, so " + now.name()
        + " cannot be put back as it was then. Choose a later instant, or push that commit again.");
  }

  /**
   * Domains coming back are claimed first (another app may have taken one since); the app then
   * applies the plan it was shown, and domains that went are given up. A refusal at any step gives
   * back what this restore claimed.
   */
  private CompletionStage<Outcome> apply(AppEntity.LiveApp now, AppEntity.LiveApp then, RestorePlan plan,
      Cause cause) {
    List<String> claimed = new ArrayList<>();
    CompletionStage<?> claims = CompletableFuture.completedStage(null);
    for (String host : plan.domainsAdded()) {
      claims = claims.thenCompose(previous -> apps.domainHolder(host)
          .thenCompose(holder -> holder.filter(now.id()::equals).isPresent()
              ? CompletableFuture.completedStage(false) // already ours: not this restore's to give back
              : apps.claimDomain(now.id(), host, cause).thenApply(done -> true))
          .exceptionallyCompose(e -> AppService.rejectionOf(e).isEmpty() ? CompletableFuture.failedStage(e)
              : failed(Rejection.invalid("The domain " + host + " of " + now.name() + " at " + plan.to()
                  + " is now in use by another app; remove it there first, then restore again.")))
          .thenApply(newlyClaimed -> newlyClaimed && claimed.add(host)));
    }
    return claims
        .thenCompose(done -> apps.command(now.id(), r -> new AppEntity.Restore(then, plan, cause, r)))
        // a refusal changed nothing, so this restore's claims go back; after a timeout the restore may
        // have been applied, and its domains must stay claimed
        .exceptionallyCompose(e -> (AppService.rejectionOf(e).isPresent() ? giveBack(now.id(), claimed, cause)
            : CompletableFuture.<Void>completedStage(null)).thenCompose(x -> CompletableFuture.failedStage(e)))
        .thenCompose(accepted -> giveBack(now.id(), plan.domainsRemoved(), cause)
            .thenApply(x -> new Outcome(plan, accepted.app(), accepted.release())));
  }

  private CompletionStage<Void> giveBack(String appId, List<String> hosts, Cause cause) {
    CompletableFuture<?>[] releases = hosts.stream()
        .map(host -> apps.releaseDomain(appId, host, cause).toCompletableFuture().exceptionally(e -> null))
        .toArray(CompletableFuture[]::new);
    return CompletableFuture.allOf(releases);
  }

  private static <T> CompletionStage<T> failed(Rejection rejection) {
    return CompletableFuture.failedStage(rejection.asException());
  }
}
