package skiff.actors.accounts;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Heroku's per-app permissions: what a collaborator or team member may do on an app. */
public enum Permission {
  /** See the app, its releases, formation, dynos, logs, builds and journal (config values hidden). */
  VIEW,
  /** Push code, create builds and releases, roll back, read config values. */
  DEPLOY,
  /** Scale, restart and stop dynos, run one-off dynos. */
  OPERATE,
  /** Change settings: config vars, domains, drains, maintenance, name, collaborators. */
  MANAGE;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static List<String> labels() {
    return Arrays.stream(values()).map(Permission::label).toList();
  }

  public static Optional<Permission> parse(String label) {
    return Arrays.stream(values()).filter(p -> p.label().equals(label.trim().toLowerCase(Locale.ROOT))).findFirst();
  }
}
