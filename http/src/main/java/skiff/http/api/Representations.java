package skiff.http.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import skiff.actors.accounts.AccountEntity;
import skiff.actors.accounts.AccountIds;
import skiff.actors.accounts.AppAccess;
import skiff.actors.apps.AppEntity.LiveApp;
import skiff.actors.apps.FormationEntry;
import skiff.actors.apps.ReleaseRecord;
import skiff.actors.apps.Slug;
import skiff.actors.apps.Stacks;

/** The Platform API v3 JSON shapes of Skiff's resources, with the fields the official CLI reads. */
public final class Representations {
  public static final ObjectMapper JSON = new ObjectMapper();
  /** The default stack for new apps (see {@link Stacks}). */
  public static final String STACK = Stacks.DEFAULT;
  public static final String STACK_ID = stableId("stack", STACK);
  public static final String REGION = "local";

  private final PublicUrls urls;

  public Representations(PublicUrls urls) {
    this.urls = urls;
  }

  /** SKIFF_DOMAIN: under it every app has its default hostname, so no custom domain may be there. */
  String platformDomain() {
    return urls.domain();
  }

  /** Ids for things that have no id of their own (formation entries, the default domain, the stack). */
  public static String stableId(String... parts) {
    return UUID.nameUUIDFromBytes(String.join("\u0000", parts).getBytes(StandardCharsets.UTF_8)).toString();
  }

  public static String time(Instant at) {
    return at == null ? null : at.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  public static String accountId(String email) {
    return AccountIds.of(email);
  }

  public ObjectNode account(AccountEntity.LiveAccount account) {
    ObjectNode n = JSON.createObjectNode();
    n.put("id", account.id());
    n.put("email", account.email());
    n.put("name", account.name());
    n.put("admin", account.admin());
    n.put("allow_tracking", false);
    n.put("beta", false);
    n.put("verified", true);
    n.put("federated", false);
    n.put("two_factor_authentication", false);
    n.putNull("suspended_at");
    n.putNull("delinquent_at");
    n.putNull("default_organization");
    n.putNull("default_team");
    n.put("created_at", time(account.createdAt()));
    n.put("updated_at", time(account.updatedAt()));
    if (account.lastLoginAt() == null) {
      n.putNull("last_login");
    } else {
      n.put("last_login", time(account.lastLoginAt()));
    }
    return n;
  }

  public ObjectNode app(LiveApp app) {
    ObjectNode n = JSON.createObjectNode();
    n.put("id", app.id());
    n.put("name", app.name());
    ObjectNode owner = n.putObject("owner");
    owner.put("email", ownerEmail(app));
    owner.put("id", accountId(ownerEmail(app)));
    String team = AppAccess.teamOf(app);
    if (team == null) {
      n.putNull("team");
    } else {
      n.putObject("team").put("name", team).put("id", stableId("team", team));
    }
    ObjectNode region = n.putObject("region");
    region.put("id", stableId("region", app.region()));
    region.put("name", app.region());
    n.set("stack", stack(app.stack()));
    n.set("build_stack", stack(app.buildStack()));
    n.putObject("generation").put("name", "cedar").put("id", stableId("generation", "cedar"));
    n.put("git_url", urls.gitUrl(app.name()));
    n.put("web_url", urls.webUrl(app.name()));
    n.put("maintenance", app.maintenance());
    n.put("acm", false);
    n.putNull("archived_at");
    n.put("create_status", "complete");
    n.put("internal_routing", false);
    n.put("locked", false);
    n.putNull("organization");
    n.putNull("space");
    n.putNull("repo_size");
    Slug slug = app.currentSlug();
    if (slug == null) {
      n.putNull("slug_size");
      n.putNull("buildpack_provided_description");
    } else {
      n.put("slug_size", slug.size());
      n.put("buildpack_provided_description", slug.buildpackDescription());
    }
    n.put("created_at", time(app.createdAt()));
    n.put("updated_at", time(app.updatedAt()));
    n.put("released_at", time(app.releasedAt()));
    return n;
  }

  public ObjectNode stack(String stored) {
    String name = Stacks.canonical(stored);
    ObjectNode n = JSON.createObjectNode();
    n.put("id", stableId("stack", name));
    n.put("name", name);
    return n;
  }

  public ObjectNode stackInfo(String name) {
    ObjectNode n = stack(name);
    n.put("state", "public");
    n.put("default", name.equals(STACK));
    n.put("created_at", "2026-01-01T00:00:00Z");
    n.put("updated_at", "2026-01-01T00:00:00Z");
    return n;
  }

  public ObjectNode configVars(Map<String, String> config) {
    ObjectNode n = JSON.createObjectNode();
    new TreeMap<>(config).forEach(n::put);
    return n;
  }

  public ObjectNode release(LiveApp app, ReleaseRecord r) {
    ObjectNode n = JSON.createObjectNode();
    n.put("id", r.id());
    n.put("version", r.version());
    n.put("description", r.description());
    n.put("status", r.status());
    n.put("current", r.version() == app.currentVersion());
    n.put("eligible_for_rollback", r.status().equals(ReleaseRecord.SUCCEEDED));
    n.set("app", appRef(app));
    ObjectNode user = n.putObject("user");
    user.put("email", r.cause().actor());
    user.put("id", accountId(r.cause().actor()));
    if (r.slugId() == null) {
      n.putNull("slug");
    } else {
      n.putObject("slug").put("id", r.slugId());
    }
    n.putArray("addon_plan_names");
    ArrayNode artifacts = n.putArray("artifacts");
    if (r.slugId() != null) {
      artifacts.addObject().put("type", "slug").put("id", r.slugId());
    }
    n.putNull("output_stream_url");
    n.put("created_at", time(r.cause().at()));
    n.put("updated_at", time(r.cause().at()));
    return n;
  }

  public ObjectNode formation(LiveApp app, FormationEntry f) {
    ObjectNode n = JSON.createObjectNode();
    n.put("id", stableId("formation", app.id(), f.type()));
    n.put("type", f.type());
    n.put("quantity", f.quantity());
    n.put("size", f.size());
    n.putObject("dyno_size").put("name", f.size()).put("id", stableId("size", f.size()));
    n.put("command", app.processTypes().getOrDefault(f.type(), ""));
    n.set("app", appRef(app));
    n.put("created_at", time(app.createdAt()));
    n.put("updated_at", time(f.updatedAt() != null ? f.updatedAt() : app.createdAt()));
    return n;
  }

  public ObjectNode slug(LiveApp app, Slug s) {
    ObjectNode n = JSON.createObjectNode();
    n.put("id", s.id());
    n.put("checksum", s.checksum());
    n.put("size", s.size());
    n.put("commit", s.commit());
    n.put("commit_description", s.commitDescription());
    n.put("buildpack_provided_description", s.buildpackDescription());
    ObjectNode types = n.putObject("process_types");
    new TreeMap<>(s.processTypes()).forEach(types::put);
    n.set("stack", stack(s.stack()));
    n.putNull("blob");
    n.put("created_at", time(s.createdAt()));
    n.put("updated_at", time(s.createdAt()));
    return n;
  }

  public ObjectNode defaultDomain(LiveApp app) {
    ObjectNode n = JSON.createObjectNode();
    n.put("id", stableId("domain", app.id(), "default"));
    n.put("hostname", urls.hostname(app.name()));
    n.put("kind", "heroku");
    n.putNull("cname");
    n.put("status", "none");
    n.putNull("acm_status");
    n.putNull("acm_status_reason");
    n.putNull("sni_endpoint");
    n.set("app", appRef(app));
    n.put("created_at", time(app.createdAt()));
    n.put("updated_at", time(app.updatedAt()));
    return n;
  }

  public ObjectNode customDomain(LiveApp app, String hostname) {
    ObjectNode n = defaultDomain(app);
    n.put("id", stableId("domain", app.id(), hostname));
    n.put("hostname", hostname);
    n.put("kind", "custom");
    n.put("cname", urls.hostname(app.name()));
    n.put("status", "succeeded");
    return n;
  }

  /**
   * The owner's email as Heroku shows it: a person's, or for a team app {@code TEAM@herokumanager.com},
   * which is how the heroku CLI tells a team app from a personal one.
   */
  public static String ownerEmail(LiveApp app) {
    String team = AppAccess.teamOf(app);
    return team == null ? app.owner() : team + "@herokumanager.com";
  }

  /** One person with access to the app, as {@code access} lists them. */
  public ObjectNode collaborator(LiveApp app, String email, String role, java.util.Collection<String> permissionNames) {
    ObjectNode n = JSON.createObjectNode();
    n.put("id", stableId("collaborator", app.id(), email));
    n.put("role", role);
    ArrayNode permissions = n.putArray("permissions");
    new java.util.TreeSet<>(permissionNames).forEach(p -> permissions.addObject().put("name", p));
    ObjectNode user = n.putObject("user");
    user.put("email", email);
    user.put("id", accountId(email));
    user.put("federated", false);
    n.set("app", appRef(app));
    n.put("created_at", time(app.createdAt()));
    n.put("updated_at", time(app.updatedAt()));
    return n;
  }

  public ObjectNode owner(LiveApp app) {
    ObjectNode n = JSON.createObjectNode();
    n.put("id", stableId("collaborator", app.id(), app.owner()));
    n.put("role", "owner");
    ArrayNode permissions = n.putArray("permissions");
    for (String p : new String[] {"deploy", "manage", "operate", "view"}) {
      permissions.addObject().put("name", p);
    }
    ObjectNode user = n.putObject("user");
    user.put("email", ownerEmail(app));
    user.put("id", accountId(ownerEmail(app)));
    user.put("federated", false);
    n.set("app", appRef(app));
    n.put("created_at", time(app.createdAt()));
    n.put("updated_at", time(app.createdAt()));
    return n;
  }

  private ObjectNode appRef(LiveApp app) {
    ObjectNode n = JSON.createObjectNode();
    n.put("id", app.id());
    n.put("name", app.name());
    return n;
  }

  public static ObjectNode error(String id, String message) {
    ObjectNode n = JSON.createObjectNode();
    n.put("id", id);
    n.put("message", message);
    return n;
  }
}
