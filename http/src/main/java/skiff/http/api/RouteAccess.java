package skiff.http.api;

import skiff.actors.accounts.Permission;

/**
 * What each API route asks of its caller, decided from the route's method and template in one
 * place so that no endpoint can forget it: an app's routes need a permission on that app (reads
 * {@code view}; config values {@code deploy} or {@code manage}; releases, builds, slugs and sources {@code deploy};
 * formation and dynos {@code operate}; everything else that changes the app {@code manage};
 * destroying it and handing it over, ownership); the platform's journal, accounts and nodes need an admin;
 * the rest any signed-in account.
 */
record RouteAccess(Kind kind, Permission permission) {
  /** CONFIG: config values in the clear (a config read, or {@code reveal=true}): deploy or manage. */
  enum Kind { SIGNED_IN, ADMIN, APP, CONFIG, OWNER }

  static final RouteAccess SIGNED_IN = new RouteAccess(Kind.SIGNED_IN, null);
  static final RouteAccess ADMIN = new RouteAccess(Kind.ADMIN, null);
  static final RouteAccess OWNER = new RouteAccess(Kind.OWNER, null);
  static final RouteAccess CONFIG = new RouteAccess(Kind.CONFIG, null);

  static RouteAccess app(Permission p) {
    return new RouteAccess(Kind.APP, p);
  }

  static RouteAccess of(String method, String template) {
    if (template.startsWith("/events") || template.startsWith("/accounts") || template.startsWith("/nodes")) {
      return ADMIN;
    }
    int app = template.indexOf("/{app}");
    if (app < 0 || !(template.startsWith("/apps/") || template.startsWith("/teams/apps/"))) {
      return SIGNED_IN;
    }
    String rest = template.substring(app + "/{app}".length());
    if (method.equals("GET")) {
      return rest.endsWith("/config-vars") ? CONFIG : app(Permission.VIEW);
    }
    if (rest.isEmpty() && method.equals("DELETE") || rest.equals("/transfer")) {
      return OWNER;
    }
    if (rest.startsWith("/releases") || rest.startsWith("/builds") || rest.startsWith("/slugs")
        || rest.startsWith("/sources")) {
      return app(Permission.DEPLOY);
    }
    if (rest.startsWith("/formation") || rest.startsWith("/dynos")) {
      return app(Permission.OPERATE);
    }
    if (rest.equals("/log-sessions")) {
      return app(Permission.VIEW);
    }
    return app(Permission.MANAGE);
  }
}
