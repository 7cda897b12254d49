package skiff.actors.accounts;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import skiff.actors.apps.AppEntity.LiveApp;

/**
 * What an account may do on an app, from the app's owner and collaborators and the owning team's
 * roles: admins and owners everything (destroy and transfer included); collaborators on a personal
 * app everything but those two; on a team app, team admins everything, members view plus what the
 * app grants them, viewers view; anyone else nothing (the app is hidden from them).
 */
public final class AppAccess {
  private static final String TEAM_OWNER = "team:";

  /** @param owner may destroy and transfer the app */
  public record Rights(Set<Permission> permissions, boolean owner) {
    public static final Rights NONE = new Rights(EnumSet.noneOf(Permission.class), false);
    public static final Rights ALL = new Rights(EnumSet.allOf(Permission.class), true);

    public boolean can(Permission p) {
      return permissions.contains(p);
    }
  }

  private AppAccess() {}

  public static String teamOwner(String team) {
    return TEAM_OWNER + team;
  }

  /** The team that owns the app, or null for a personal app. */
  public static String teamOf(LiveApp app) {
    return app.owner().startsWith(TEAM_OWNER) ? app.owner().substring(TEAM_OWNER.length()) : null;
  }

  public static Rights of(String email, boolean admin, LiveApp app, AccessView view) {
    if (admin || app.owner().equals(email)) {
      return Rights.ALL;
    }
    String team = teamOf(app);
    if (team == null) {
      return app.collaborators().containsKey(email)
          ? new Rights(EnumSet.allOf(Permission.class), false) : Rights.NONE;
    }
    String role = view.team(team).map(t -> t.role(email)).orElse(null);
    if ("admin".equals(role)) {
      return Rights.ALL;
    }
    if (role == null) {
      return Rights.NONE;
    }
    EnumSet<Permission> granted = EnumSet.of(Permission.VIEW);
    if (role.equals("member")) {
      for (String label : app.collaborators().getOrDefault(email, List.of())) {
        Permission.parse(label).ifPresent(granted::add);
      }
    }
    return new Rights(granted, false);
  }
}
