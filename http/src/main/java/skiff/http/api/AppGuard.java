package skiff.http.api;

import java.util.concurrent.CompletionStage;
import skiff.actors.accounts.AccessView;
import skiff.actors.accounts.AppAccess;
import skiff.actors.accounts.Permission;
import skiff.actors.apps.AppEntity.LiveApp;
import skiff.actors.apps.AppService;

/**
 * Finds an app for a caller and checks what they may do on it: someone with no access at all is
 * told the app does not exist (as Heroku does, so names do not leak); someone who may see it but
 * not do this is told which permission they lack and who can grant it.
 */
public final class AppGuard {
  private final AppService apps;
  private final AccessView view;

  public AppGuard(AppService apps, AccessView view) {
    this.apps = apps;
    this.view = view;
  }

  public AppAccess.Rights rights(Account who, LiveApp app) {
    return AppAccess.of(who.email(), who.admin(), app, view);
  }

  public boolean canView(Account who, LiveApp app) {
    return rights(who, app).can(Permission.VIEW);
  }

  /** The app, if the caller has {@code needed} on it. */
  public CompletionStage<LiveApp> find(String identity, Account who, Permission needed) {
    return apps.find(identity).thenApply(app -> {
      check(who, app, needed);
      return app;
    });
  }

  /** The app, if the caller may destroy or transfer it. */
  public CompletionStage<LiveApp> owned(String identity, Account who) {
    return apps.find(identity).thenApply(app -> {
      AppAccess.Rights rights = rights(who, app);
      if (!rights.can(Permission.VIEW)) {
        throw ApiError.notFound("Couldn't find that app.");
      }
      if (!rights.owner()) {
        throw new ApiError(403, "forbidden", "Only " + app.name() + "'s owner (or, for a team app, a team admin)"
            + " may do this.");
      }
      return app;
    });
  }

  /** The app, if the caller may read its config values: deploy or manage. */
  public CompletionStage<LiveApp> withConfig(String identity, Account who) {
    return apps.find(identity).thenApply(app -> {
      if (!rights(who, app).can(Permission.MANAGE)) {
        check(who, app, Permission.DEPLOY);
      }
      return app;
    });
  }

  public void check(Account who, LiveApp app, Permission needed) {
    AppAccess.Rights rights = rights(who, app);
    if (!rights.can(Permission.VIEW)) {
      throw ApiError.notFound("Couldn't find that app.");
    }
    if (!rights.can(needed)) {
      throw new ApiError(403, "forbidden", "You need the " + needed.label() + " permission on " + app.name()
          + " for this; its owner or a team admin can grant it (skiff access:update " + who.email()
          + " --permissions " + needed.label() + " -a " + app.name() + ").");
    }
  }
}
