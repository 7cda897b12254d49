package skiff.platform.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The {@code skiff} command line: a thin client of the Platform API with Heroku's command names,
 * flags and wording. It finds the API at SKIFF_HOST and its token in SKIFF_API_KEY,
 * HEROKU_API_KEY or ~/.netrc; it never starts an actor system.
 */
public final class SkiffCli {
  private static final DateTimeFormatter WHEN =
      DateTimeFormatter.ofPattern("yyyy/MM/dd HH:mm:ss Z").withZone(ZoneOffset.UTC);

  /** A command, its usage line (which also declares its options) and the picocli model made from it. */
  private record Command(String name, String usage, String summary, Handler handler,
      picocli.CommandLine.Model.CommandSpec spec) {}

  @FunctionalInterface
  interface Handler {
    int run(Args args) throws Exception;
  }

  private final Map<String, String> env;
  final PrintStream out;
  final PrintStream err;
  private final Map<String, Command> commands = new LinkedHashMap<>();
  private final Map<String, String> aliases = Map.of(
      "create", "apps:create", "destroy", "apps:destroy", "info", "apps:info", "rename", "apps:rename",
      "releases:rollback", "rollback", "scale", "ps:scale", "apps:stacks", "stack", "whoami", "auth:whoami",
      "--help", "help", "-h", "help");

  public SkiffCli(Map<String, String> env, PrintStream out, PrintStream err) {
    this.env = env;
    this.out = out;
    this.err = err;
    register();
  }

  private void register() {
    add("login", "login [--email EMAIL] [--token TOKEN]", "sign in with your email and password (or a token) and"
        + " store the API token in ~/.netrc for this API host", this::login);
    add("logout", "logout", "remove this API host's token from ~/.netrc", a -> {
      boolean had = new Netrc(home().resolve(".netrc")).remove(netrcMachine());
      out.println(had ? "Logged out of " + netrcMachine() : "Not logged in to " + netrcMachine() + " (nothing in ~/.netrc)");
      return 0;
    });
    add("auth:whoami", "auth:whoami", "show the account the token belongs to", a -> {
      out.println(api(a).get("/account").path("email").asText());
      return 0;
    });
    add("auth:token", "auth:token", "print the API token in use", a -> {
      out.println(token().orElseThrow(() -> new Problem("Not logged in. Run: skiff login")));
      return 0;
    });
    add("apps", "apps [--json]", "list your apps", this::apps);
    add("apps:create", "apps:create [NAME] [--team TEAM] [--no-remote]", "create an app (a name is generated if none"
        + " is given); with --team it belongs to the team", this::appsCreate);
    new AccessCommands(this).register();
    add("apps:info", "apps:info [-a APP] [--json]", "show an app's details", this::appsInfo);
    add("apps:rename", "apps:rename NEWNAME [-a APP]", "rename an app", this::appsRename);
    add("apps:destroy", "apps:destroy [-a APP] --confirm APP", "destroy an app for good", this::appsDestroy);
    add("config", "config [-a APP] [--json] [--shell]", "show config vars", this::config);
    add("config:get", "config:get KEY [-a APP]", "show one config var", this::configGet);
    add("config:set", "config:set KEY=VALUE... [-a APP]", "set config vars (makes a release)", this::configSet);
    add("config:unset", "config:unset KEY... [-a APP]", "remove config vars (makes a release)", this::configUnset);
    add("releases", "releases [-a APP] [-n|--num NUM] [--json]", "list releases, newest first", this::releases);
    add("releases:info", "releases:info [vN] [-a APP] [--json]", "show one release (default: the current one)",
        this::releasesInfo);
    add("rollback", "rollback [vN] [-a APP]  |  rollback --to T [--dry-run] [-a APP]",
        "release an earlier release's slug and config again; with --to, bring the whole app back to how it was at T"
            + " (release, formation, domains, drains, maintenance, stack)", this::rollback);
    add("ps", "ps [TYPE] [-a APP] [--json]", "list the app's dynos with their state", this::ps);
    add("ps:restart", "ps:restart [DYNO|TYPE] [-a APP] [-p|--process-type TYPE] [--dyno-name DYNO]",
        "restart all dynos, a type (web) or one (web.1); clears a crash cooldown", a -> psRestart(a, false));
    add("ps:stop", "ps:stop DYNO|TYPE [-a APP] [-p|--process-type TYPE] [--dyno-name DYNO]",
        "stop a dyno or a type (the formation starts it again)", a -> psRestart(a, true));
    add("status", "status", "show the node's isolation and journal", this::status);
    add("ps:scale", "ps:scale TYPE=N[:SIZE]... [-a APP]", "set how many dynos of each type run (TYPE+1 / TYPE-1 too)",
        this::psScale);
    add("logs", "logs [-a APP] [-n|--num NUM] [-t|--tail] [-d|--dyno web.1] [-p|--ps web] [-s|--source app|heroku]",
        "show the app's log: its dynos, the router, the platform and the API", this::logs);
    add("run", "run [-a APP] [-e|--env K=V;K2=V2] -- COMMAND [ARGS]", "run a one-off dyno attached to this terminal"
        + " (exits with the command's status)", this::run);
    add("run:detached", "run:detached [-a APP] -- COMMAND [ARGS]", "run a one-off dyno; its output goes to the logs",
        a -> {
          String app = app(a);
          String command = oneOffCommand(a);
          JsonNode dyno = step("Running " + command + " on ⬢ " + app, () -> api(a).post("/apps/" + app + "/dynos",
              Map.of("command", command, "attach", false)), d -> "done, " + d.path("name").asText());
          out.println("Run skiff logs -a " + app + " --dyno " + dyno.path("name").asText() + " to view the output.");
          return 0;
        });
    add("drains", "drains [-a APP] [--json]", "list the app's log drains", a -> {
      JsonNode drains = api(a).get("/apps/" + app(a) + "/log-drains");
      if (!json(a, drains)) {
        drains.forEach(d -> out.println(d.path("url").asText() + " (" + d.path("token").asText() + ")"));
      }
      return 0;
    });
    add("drains:add", "drains:add URL [-a APP]", "send the app's log to syslog://HOST:PORT, syslog+tls:// or https://",
        a -> {
          String url = a.positional(0).orElseThrow(() -> new Problem("Usage: skiff drains:add URL -a APP"));
          JsonNode d = api(a).post("/apps/" + app(a) + "/log-drains", Map.of("url", url));
          out.println("Successfully added drain " + d.path("url").asText() + " (" + d.path("token").asText() + ")");
          return 0;
        });
    add("drains:remove", "drains:remove URL|TOKEN [-a APP]", "stop sending the app's log to a drain", a -> {
      String which = a.positional(0).orElseThrow(() -> new Problem("Usage: skiff drains:remove URL -a APP"));
      String app = app(a);
      ApiClient api = api(a);
      String token = which;
      for (JsonNode d : api.get("/apps/" + app + "/log-drains")) {
        if (d.path("url").asText().equals(which)) {
          token = d.path("token").asText(); // URLs do not fit in a path segment; tokens do
        }
      }
      api.delete("/apps/" + app + "/log-drains/" + token);
      out.println("Successfully removed drain " + which);
      return 0;
    });
    add("events", "events [-a APP | --all] [--since 1h|2026-11-26T14:00:00Z] [--until T] [--type T] [-d|--dyno web.1]"
        + " [--actor EMAIL] [--follow] [--reveal] [--json]", "the app's (or, for admins, the platform's) journal: who did"
        + " what, when, under which request; --follow keeps printing new events; config values show as [redacted]"
        + " unless an admin asks to --reveal them", this::events);
    add("state", "state [-a APP] [--at 2026-11-26T14:00:00Z|1h] [--reveal] [--json]",
        "the app as it was at an instant, replayed from the journal", this::state);
    add("state:diff", "state:diff --from T1 --to T2 [-a APP]", "what changed between two instants", this::stateDiff);
    add("releases:diff", "releases:diff vA vB [-a APP]", "what differs between two releases", this::releasesDiff);
    add("events:export", "events:export [-a APP | --all] [--reveal] > FILE", "the journal of an app (or, for admins,"
        + " the whole platform) as JSON lines; config values redacted unless --reveal",
        this::eventsExport);
    add("events:verify", "events:verify FILE", "replay an export and print the state it rebuilds (no server needed)",
        this::eventsVerify);
    add("maintenance", "maintenance [-a APP]", "show whether maintenance mode is on", a -> {
      out.println(api(a).get("/apps/" + app(a)).path("maintenance").asBoolean() ? "on" : "off");
      return 0;
    });
    add("maintenance:on", "maintenance:on [-a APP]", "put the app into maintenance mode", a -> maintenance(a, true));
    add("maintenance:off", "maintenance:off [-a APP]", "take the app out of maintenance mode", a -> maintenance(a, false));
    add("stack", "stack [-a APP]", "show the stack the app builds on", this::stack);
    add("domains", "domains [-a APP] [--json]", "list the app's domains", this::domains);
    add("nodes", "nodes [--json]", "list the cluster's nodes: name, address, state, dynos (admins)", a -> {
      JsonNode nodes = api(a).get("/nodes");
      if (json(a, nodes)) {
        return 0;
      }
      out.println("=== Nodes");
      for (JsonNode n : nodes) {
        int capacity = n.path("capacity").path("dynos").asInt();
        String dynos = n.path("dynos").asInt() + (capacity > 0 ? "/" + capacity : "") + " dynos";
        out.printf("%-24s %-22s %-12s %-12s seen %s%s%s%n", n.path("name").asText(), n.path("address").asText(),
            n.path("state").asText(), dynos, n.path("seen_at").asText(),
            n.path("draining").asBoolean() ? "  draining" : "", n.path("self").asBoolean() ? "  (this node)" : "");
      }
      return 0;
    });
    add("nodes:drain", "nodes:drain NAME", "move a node's dynos to the other nodes (web dynos preboot first) so it"
        + " can be stopped (admins)", a -> {
          String node = a.positional(0).orElseThrow(() -> new Problem("Usage: skiff nodes:drain NAME (skiff nodes"
              + " lists the names)"));
          JsonNode drained = api(a).post("/nodes/" + node + "/actions/drain", Map.of());
          out.println("Draining " + node + ": moving " + drained.path("moving").asInt() + " dynos to the other nodes."
              + " It takes no new dynos; `skiff nodes` shows 0 dynos once it can be stopped.");
          return 0;
        });
    add("stacks", "stacks", "list the stacks apps can build and run on (the default marked *)", a -> {
      for (JsonNode s : api(a).get("/stacks")) {
        out.println((s.path("default").asBoolean() ? "* " : "  ") + s.path("name").asText());
      }
      return 0;
    });
    add("stack:set", "stack:set STACK [-a APP]", "set the stack the next build uses (skiff stacks lists them)", a -> {
      String stack = a.positional(0).orElseThrow(() -> new Problem("Usage: skiff stack:set STACK -a APP"));
      String app = app(a);
      api(a).patch("/apps/" + app, Map.of("build_stack", stack));
      out.println("Stack set. Next release on ⬢ " + app + " will use " + stack + ".");
      return 0;
    });
    add("domains:add", "domains:add HOSTNAME [-a APP]", "route a custom domain to the app", a -> {
      String host = a.positional(0).orElseThrow(() -> new Problem("Usage: skiff domains:add HOSTNAME -a APP"));
      String app = app(a);
      ApiClient api = api(a);
      JsonNode d = step("Adding " + host + " to ⬢ " + app, () -> api.post("/apps/" + app + "/domains",
          Map.of("hostname", host)), r -> "done");
      out.println("Point a CNAME for " + host + " at " + d.path("cname").asText()
          + ", or send requests to the router with Host: " + host);
      return 0;
    });
    add("domains:remove", "domains:remove HOSTNAME [-a APP]", "stop routing a custom domain to the app", a -> {
      String host = a.positional(0).orElseThrow(() -> new Problem("Usage: skiff domains:remove HOSTNAME -a APP"));
      String app = app(a);
      ApiClient api = api(a);
      step("Removing " + host + " from ⬢ " + app, () -> api.delete("/apps/" + app + "/domains/" + host), r -> "done");
      return 0;
    });
    add("git:remote", "git:remote -a APP [-r REMOTE]", "add a git remote for the app to the current repository",
        this::gitRemote);
    add("builds", "builds [-a APP] [-n|--num N] [--json]", "the app's builds, newest first, failed ones too", this::builds);
    add("builds:info", "builds:info [ID] [-a APP] [--json]", "one build (the newest by default): who, what, how it ended",
        this::buildsInfo);
    add("builds:output", "builds:output [ID] [-a APP]", "the stored output of a build (the newest by default)",
        this::buildsOutput);
    add("git:credentials", "git:credentials --machine HOST:PORT get",
        "git's credential helper for Skiff remotes (apps:create and git:remote set it up)", this::gitCredentials);
    add("help", "help [COMMAND]", "show commands, or one command's usage", this::help);
  }

  void add(String name, String usage, String summary, Handler handler) {
    commands.put(name, new Command(name, usage, summary, handler, Args.spec(name, usage)));
  }

  /** Something the user can fix; printed as one line, exit status 1. */
  static final class Problem extends RuntimeException {
    Problem(String message) {
      super(message);
    }
  }

  public int run(String[] argv) {
    if (argv.length == 0) {
      return help(Args.none());
    }
    String name = aliases.getOrDefault(argv[0], argv[0]);
    Command command = commands.get(name);
    if (command == null) {
      err.println(" ▸    " + argv[0] + " is not a skiff command." + closest(argv[0]).map(c -> " Perhaps you meant "
          + c + "?").orElse("") + " See skiff help.");
      return 127;
    }
    String[] rest = java.util.Arrays.copyOfRange(argv, 1, argv.length);
    try {
      Args args = Args.parse(command.spec(), rest);
      if (args.has("help") || args.has("h")) {
        out.println("Usage: skiff " + command.usage() + "\n\n  " + command.summary());
        return 0;
      }
      return command.handler().run(args);
    } catch (ApiClient.Failure f) {
      err.println(" ▸    " + f.getMessage());
      if (f.status > 0) {
        err.println(" ▸    Error ID: " + f.id);
      }
      return f.status == 0 ? 1 : 2;
    } catch (Problem | Args.Invalid p) {
      err.println(" ▸    " + p.getMessage());
      return 1;
    } catch (Exception e) {
      err.println(" ▸    " + e);
      return 1;
    }
  }

  // ---- where the API is and who we are --------------------------------------------------------

  String apiBase() {
    String host = env.get("SKIFF_HOST");
    if (host != null && !host.isBlank()) {
      return host.startsWith("http") ? host : "http://" + host;
    }
    return "http://127.0.0.1:" + env.getOrDefault("SKIFF_API_PORT", "5000");
  }

  String netrcMachine() {
    URI uri = URI.create(apiBase());
    return uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "");
  }

  private Path home() {
    return Path.of(env.getOrDefault("HOME", System.getProperty("user.home")));
  }

  Optional<String> token() {
    for (String variable : List.of("SKIFF_API_KEY", "HEROKU_API_KEY")) {
      String value = env.get(variable);
      if (value != null && !value.isBlank()) {
        return Optional.of(value.trim());
      }
    }
    return new Netrc(home().resolve(".netrc")).find(netrcMachine()).map(Netrc.Entry::password);
  }

  ApiClient api(Args args) {
    String token = token().orElseThrow(() -> new Problem(
        "Not logged in to " + apiBase() + ". Run: skiff login (or set SKIFF_API_KEY)."));
    return new ApiClient(apiBase(), token, tlsContext());
  }

  /** The app from -a/--app, SKIFF_APP/HEROKU_APP, or the skiff (else heroku) git remote here. */
  String app(Args args) {
    Optional<String> given = args.value("a", "app");
    if (given.isPresent()) {
      return given.get();
    }
    for (String variable : List.of("SKIFF_APP", "HEROKU_APP")) {
      if (env.get(variable) != null && !env.get(variable).isBlank()) {
        return env.get(variable);
      }
    }
    List<String> remotes = args.value("r", "remote").map(List::of).orElse(List.of("skiff", "heroku"));
    for (String remote : remotes) {
      Optional<String> url = git("remote", "get-url", remote);
      if (url.isPresent() && url.get().endsWith(".git")) {
        String path = url.get().substring(0, url.get().length() - 4);
        return path.substring(path.lastIndexOf('/') + 1);
      }
    }
    throw new Problem("No app specified. Use -a APP, or run this inside a git repository with a 'skiff' remote"
        + " (skiff git:remote -a APP adds one).");
  }

  private Optional<String> git(String... args) {
    try {
      List<String> command = new ArrayList<>(List.of("git"));
      command.addAll(List.of(args));
      Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      return p.waitFor() == 0 ? Optional.of(output) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  boolean json(Args args, JsonNode node) throws IOException {
    if (args.has("json")) {
      out.println(ApiClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node));
      return true;
    }
    return false;
  }

  // ---- commands -------------------------------------------------------------------------------

  private int login(Args args) throws IOException {
    Optional<String> token = args.value(null, "token");
    Optional<String> email = args.value(null, "email");
    if (token.isEmpty() && email.isEmpty()) {
      err.print("Email (Enter to give an API token instead): ");
      err.flush();
      String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
      email = Optional.ofNullable(line).map(String::trim).filter(s -> !s.isEmpty());
    }
    if (email.isPresent()) {
      err.print("Password: ");
      err.flush();
      String password = Optional.ofNullable(readSecretLine()).orElse("");
      JsonNode authorization = ApiClient.withPassword(apiBase(), email.get(), password, tlsContext())
          .post("/oauth/authorizations", Map.of("description", "skiff CLI login from " + hostName()));
      String t = authorization.path("access_token").path("token").asText();
      String who = authorization.path("user").path("email").asText();
      new Netrc(home().resolve(".netrc")).put(new Netrc.Entry(netrcMachine(), who, t));
      out.println("Logged in as " + who + " (a new token, saved in ~/.netrc for " + netrcMachine() + ")");
      return 0;
    }
    if (token.isEmpty()) {
      Path local = Path.of(env.getOrDefault("SKIFF_HOME", home().resolve(".skiff").toString())).resolve("admin.token");
      String fallback = Files.isReadable(local) ? Files.readString(local).trim() : null;
      err.print(fallback != null ? "API token (Enter uses the admin token in " + local + "): " : "API token: ");
      err.flush();
      String line = readSecretLine();
      token = Optional.ofNullable(line).map(String::trim).filter(s -> !s.isEmpty());
      if (token.isEmpty() && fallback != null) {
        token = Optional.of(fallback);
      }
    }
    String t = token.orElseThrow(() -> new Problem("No token given. Use skiff login --token TOKEN."));
    JsonNode account = new ApiClient(apiBase(), t, tlsContext()).get("/account");
    String who = account.path("email").asText();
    new Netrc(home().resolve(".netrc")).put(new Netrc.Entry(netrcMachine(), who, t));
    out.println("Logged in as " + who + " (token saved in ~/.netrc for " + netrcMachine() + ")");
    return 0;
  }

  private static String hostName() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      return "this machine";
    }
  }

  static String readSecretLine() throws IOException {
    if (System.console() != null) {
      char[] typed = System.console().readPassword();
      return typed == null ? null : new String(typed);
    }
    return new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
  }

  private int apps(Args args) throws IOException {
    ApiClient api = api(args);
    JsonNode apps = api.get("/apps");
    if (json(args, apps)) {
      return 0;
    }
    String email = api.get("/account").path("email").asText();
    out.println("=== " + email + " Apps");
    if (apps.isEmpty()) {
      out.println("You have no apps.");
    }
    apps.forEach(a -> out.println(a.path("name").asText()));
    return 0;
  }

  private int appsCreate(Args args) throws IOException {
    Map<String, Object> body = new LinkedHashMap<>();
    args.positional(0).ifPresent(n -> body.put("name", n));
    args.value("a", "app").ifPresent(n -> body.put("name", n));
    args.value(null, "team").ifPresent(t -> body.put("team", t));
    ApiClient api = api(args);
    JsonNode app = step("Creating " + body.getOrDefault("name", "app"), () -> api.post("/apps", body),
        created -> "done, ⬢ " + created.path("name").asText());
    if (json(args, app)) {
      return 0;
    }
    out.println(app.path("web_url").asText() + " | " + gitUrl(app.path("name").asText()));
    if (!args.has("no-remote") && git("rev-parse", "--is-inside-work-tree").isPresent()) {
      addRemote(args.value("r", "remote").orElse("skiff"), app.path("name").asText());
    }
    return 0;
  }

  /** The app's repository on the API the CLI talks to: same scheme, host and port. */
  private String gitUrl(String app) {
    return serverBase() + "/" + app + ".git";
  }

  private String serverBase() {
    return apiBase().replaceAll("/+$", "");
  }

  /**
   * Adds (or points) the remote at the app's repository and tells git, for that server only, to
   * ask this CLI for the token ({@code git:credentials}) and, over HTTPS, to trust Skiff's CA: so
   * {@code git push skiff main} works with no token in the URL.
   */
  private void addRemote(String remote, String app) {
    String url = gitUrl(app);
    if (git("remote", "get-url", remote).isPresent()) {
      git("remote", "set-url", remote, url);
    } else {
      git("remote", "add", remote, url);
    }
    String server = serverBase();
    git("config", "--local", "--replace-all", "credential." + server + ".helper", "");
    git("config", "--local", "--add", "credential." + server + ".helper", credentialHelper());
    if (server.startsWith("https:")) {
      // git trusts one bundle per URL: give it Skiff's CA only for a server whose certificate needs it
      Path ca = SkiffTrust.caFile(env, home());
      if (Files.isReadable(ca) && SkiffTrust.needsSkiffCa(URI.create(server))) {
        git("config", "--local", "http." + server + "/.sslCAInfo", ca.toAbsolutePath().toString());
      }
    }
    out.println("Git remote " + remote + " added: " + url);
  }

  /**
   * How git runs this CLI as its credential helper: the launcher {@code bin/skiff} sets
   * {@code SKIFF_LAUNCHER}; otherwise this very JVM and class path.
   */
  private String credentialHelper() {
    List<String> command = new ArrayList<>();
    String launcher = env.get("SKIFF_LAUNCHER");
    if (launcher != null && !launcher.isBlank()) {
      command.add(launcher);
    } else {
      command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
          System.getProperty("java.class.path"), "skiff.platform.Main"));
    }
    command.addAll(List.of("git:credentials", "--machine", netrcMachine()));
    // "!" makes git run it through the shell, which splits the words
    return "!" + String.join(" ", command.stream().map(SkiffCli::shellQuoted).toList());
  }

  private static String shellQuoted(String word) {
    return "'" + word.replace("'", "'\\''") + "'";
  }

  /**
   * git's credential helper protocol: git writes {@code protocol}, {@code host}, … lines on stdin
   * and, for {@code get}, reads {@code username} and {@code password} back. The token is only ever
   * the one {@code skiff login} stored for the server at {@code --machine}, and only for that host
   * (never a token from the environment, which may be another server's or a Heroku key);
   * {@code store} and {@code erase} have nothing to do (the token lives in ~/.netrc).
   */
  private int gitCredentials(Args args) throws IOException {
    String action = args.positional(0).orElse("get");
    Map<String, String> asked = new LinkedHashMap<>();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null && !line.isEmpty(); ) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        asked.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    if (!action.equals("get")) {
      return 0;
    }
    String machine = args.value(null, "machine").orElse(netrcMachine());
    String host = asked.getOrDefault("host", "");
    if (!host.equals(machine)) {
      err.println("skiff: this helper answers for " + machine + " only, not for " + host);
      return 1;
    }
    Optional<String> token = new Netrc(home().resolve(".netrc")).find(machine).map(Netrc.Entry::password);
    if (token.isEmpty()) {
      err.println("skiff: not logged in to " + machine + " (for git " + asked.getOrDefault("host", "?")
          + "); run: skiff login");
      return 1;
    }
    out.println("username=skiff");
    out.println("password=" + token.get());
    return 0;
  }

  private JsonNode newestBuilds(ApiClient api, String app, int max) {
    return api.get("/apps/" + app + "/builds", "created_at ..; max=" + max + ", order=desc");
  }

  private JsonNode build(ApiClient api, String app, Optional<String> id) {
    if (id.isPresent()) {
      return api.get("/apps/" + app + "/builds/" + id.get());
    }
    JsonNode newest = newestBuilds(api, app, 1);
    if (newest.isEmpty()) {
      throw new Problem(app + " has no builds yet. git push skiff main builds it.");
    }
    return newest.get(0);
  }

  private int builds(Args args) throws IOException {
    String app = app(args);
    int max = Integer.parseInt(args.value("n", "num").orElse("15"));
    JsonNode builds = newestBuilds(api(args), app, max);
    if (json(args, builds)) {
      return 0;
    }
    out.println("=== " + app + " Builds");
    for (JsonNode b : builds) {
      String version = b.path("source_blob").path("version").asText("");
      out.printf("%s  %-9s  %s  %s  %s%n", b.path("id").asText(), b.path("status").asText(),
          b.path("created_at").asText(), b.path("user").path("email").asText(),
          (version.length() > 7 ? version.substring(0, 7) : version)
              + (b.path("release").isObject() ? " -> v" + b.path("release").path("version").asInt() : ""));
    }
    return 0;
  }

  private int buildsInfo(Args args) throws IOException {
    String app = app(args);
    JsonNode b = build(api(args), app, args.positional(0));
    if (json(args, b)) {
      return 0;
    }
    out.println("=== Build " + b.path("id").asText());
    Map<String, String> rows = new LinkedHashMap<>();
    rows.put("Status", b.path("status").asText());
    rows.put("By", b.path("user").path("email").asText());
    rows.put("Created", b.path("created_at").asText());
    rows.put("Updated", b.path("updated_at").asText());
    rows.put("Version", b.path("source_blob").path("version").asText(""));
    List<String> packs = new ArrayList<>();
    b.path("buildpacks").forEach(p -> packs.add(p.path("name").asText()));
    rows.put("Buildpack", String.join(", ", packs));
    rows.put("Release", b.path("release").isObject() ? "v" + b.path("release").path("version").asInt() : "none");
    if (b.has("failure")) {
      rows.put("Failure", b.path("failure").asText());
    }
    printRows(rows);
    return 0;
  }

  private int buildsOutput(Args args) {
    String app = app(args);
    ApiClient api = api(args);
    JsonNode b = build(api, app, args.positional(0));
    // the stream's path on the API this CLI talks to, whatever base the server put in the URL
    String stream = URI.create(b.path("output_stream_url").asText()).getPath();
    api.lines(stream, "text/plain", out::println);
    out.flush();
    return 0;
  }

  private int gitRemote(Args args) {
    JsonNode app = api(args).get("/apps/" + app(args));
    if (git("rev-parse", "--is-inside-work-tree").isEmpty()) {
      throw new Problem("Not inside a git repository. Run git init first.");
    }
    addRemote(args.value("r", "remote").orElse("skiff"), app.path("name").asText());
    return 0;
  }

  private int appsInfo(Args args) throws IOException {
    ApiClient api = api(args);
    JsonNode app = api.get("/apps/" + app(args));
    if (json(args, app)) {
      return 0;
    }
    out.println("=== " + app.path("name").asText());
    Map<String, String> rows = new LinkedHashMap<>();
    rows.put("Git URL", app.path("git_url").asText());
    rows.put("Owner", app.path("owner").path("email").asText());
    rows.put("Region", app.path("region").path("name").asText());
    rows.put("Stack", app.path("stack").path("name").asText());
    rows.put("Maintenance", app.path("maintenance").asBoolean() ? "on" : "off");
    rows.put("Slug Size", app.path("slug_size").isNull() ? "none" : app.path("slug_size").asLong() / 1024 + " KB");
    rows.put("Web URL", app.path("web_url").asText());
    rows.put("Released", app.path("released_at").asText());
    printRows(rows);
    return 0;
  }

  private int appsRename(Args args) {
    String newName = args.positional(0).orElseThrow(() -> new Problem("Usage: skiff apps:rename NEWNAME -a APP"));
    String old = app(args);
    JsonNode app = api(args).patch("/apps/" + old, Map.of("name", newName));
    out.println("Renaming " + old + " to " + newName + "... done");
    out.println(app.path("web_url").asText() + " | " + gitUrl(newName));
    for (String remote : List.of("skiff", "heroku")) {
      Optional<String> url = git("remote", "get-url", remote);
      if (url.isPresent() && url.get().endsWith("/" + old + ".git")) {
        git("remote", "set-url", remote, gitUrl(newName));
        out.println("Git remote " + remote + " updated");
      }
    }
    return 0;
  }

  private int appsDestroy(Args args) {
    String name = args.value("a", "app").or(() -> args.positional(0)).orElseGet(() -> app(args));
    String confirm = args.value(null, "confirm").orElse(null);
    if (confirm == null && System.console() != null) {
      err.println(" ▸    WARNING: This will delete ⬢ " + name + " and everything it has.");
      err.print(" ▸    To proceed, type " + name + " or re-run this command with --confirm " + name + "\n> ");
      confirm = System.console().readLine();
    }
    if (!name.equals(confirm)) {
      throw new Problem("Confirmation " + (confirm == null ? "missing" : "'" + confirm + "' did not match " + name)
          + ". Re-run with --confirm " + name + ".");
    }
    api(args).delete("/apps/" + name);
    out.println("Destroying ⬢ " + name + "... done");
    return 0;
  }

  private int config(Args args) throws IOException {
    String app = app(args);
    JsonNode vars = api(args).get("/apps/" + app + "/config-vars");
    if (json(args, vars)) {
      return 0;
    }
    TreeMap<String, String> sorted = new TreeMap<>();
    vars.fields().forEachRemaining(f -> sorted.put(f.getKey(), f.getValue().asText()));
    if (args.has("shell")) {
      sorted.forEach((k, v) -> out.println(k + "=" + v));
      return 0;
    }
    out.println("=== " + app + " Config Vars");
    printRows(sorted);
    return 0;
  }

  private int configGet(Args args) {
    String key = args.positional(0).orElseThrow(() -> new Problem("Usage: skiff config:get KEY -a APP"));
    JsonNode value = api(args).get("/apps/" + app(args) + "/config-vars").get(key);
    out.println(value == null ? "" : value.asText());
    return 0;
  }

  private int configSet(Args args) {
    Map<String, String> vars = new LinkedHashMap<>();
    for (String pair : args.positionals()) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new Problem("'" + pair + "' is not KEY=VALUE. Usage: skiff config:set KEY=VALUE... -a APP");
      }
      vars.put(pair.substring(0, eq), pair.substring(eq + 1));
    }
    if (vars.isEmpty()) {
      throw new Problem("Usage: skiff config:set KEY=VALUE... -a APP");
    }
    String app = app(args);
    ApiClient api = api(args);
    JsonNode result = step("Setting " + String.join(", ", vars.keySet()) + " and restarting ⬢ " + app,
        () -> api.patch("/apps/" + app + "/config-vars", vars), r -> "done, v" + currentVersion(api, app));
    Map<String, String> shown = new LinkedHashMap<>();
    vars.keySet().forEach(k -> shown.put(k, result.path(k).asText()));
    printRows(shown);
    return 0;
  }

  private int configUnset(Args args) {
    List<String> keys = args.positionals();
    if (keys.isEmpty()) {
      throw new Problem("Usage: skiff config:unset KEY... -a APP");
    }
    String app = app(args);
    ApiClient api = api(args);
    Map<String, Object> body = new LinkedHashMap<>();
    keys.forEach(k -> body.put(k, null));
    step("Unsetting " + String.join(", ", keys) + " and restarting ⬢ " + app,
        () -> api.patch("/apps/" + app + "/config-vars", body), r -> "done, v" + currentVersion(api, app));
    return 0;
  }

  /** Prints "label... " then "done…" or, when the call fails, "!" so the error starts on its own line. */
  private <T> T step(String label, java.util.function.Supplier<T> work, java.util.function.Function<T, String> done) {
    err.print(label + "... ");
    err.flush();
    T result;
    try {
      result = work.get();
    } catch (RuntimeException e) {
      err.println("!");
      throw e;
    }
    err.println(done.apply(result));
    return result;
  }

  private static int currentVersion(ApiClient api, String app) {
    JsonNode latest = api.get("/apps/" + app + "/releases", "version ..; max=1, order=desc");
    return latest.isEmpty() ? 0 : latest.get(0).path("version").asInt();
  }

  private int releases(Args args) throws IOException {
    String app = app(args);
    int max = Integer.parseInt(args.value("n", "num").orElse("15"));
    JsonNode releases = api(args).get("/apps/" + app + "/releases", "version ..; max=" + max + ", order=desc");
    if (json(args, releases)) {
      return 0;
    }
    if (releases.isEmpty()) {
      out.println(app + " has no releases.");
      return 0;
    }
    String current = "";
    for (JsonNode r : releases) {
      if (r.path("current").asBoolean()) {
        current = " - Current: v" + r.path("version").asInt();
      }
    }
    out.println("=== " + app + " Releases" + current);
    int width = 0;
    for (JsonNode r : releases) {
      width = Math.max(width, describe(r).length());
    }
    for (JsonNode r : releases) {
      out.printf("v%-4d %-" + width + "s  %s  %s%n", r.path("version").asInt(), describe(r),
          r.path("user").path("email").asText(), WHEN.format(Instant.parse(r.path("created_at").asText())));
    }
    return 0;
  }

  private static String describe(JsonNode release) {
    String status = release.path("status").asText();
    String text = release.path("description").asText();
    return switch (status) {
      case "pending" -> text + " (release command executing)";
      case "failed" -> text + " (release command failed)";
      default -> text;
    };
  }

  private int releasesInfo(Args args) throws IOException {
    String app = app(args);
    ApiClient api = api(args);
    String version = args.positional(0).map(v -> v.startsWith("v") ? v.substring(1) : v)
        .orElseGet(() -> String.valueOf(currentVersion(api, app)));
    JsonNode release = api.get("/apps/" + app + "/releases/" + version);
    if (json(args, release)) {
      return 0;
    }
    JsonNode vars = api.get("/apps/" + app + "/releases/" + version + "/config-vars");
    out.println("=== Release v" + release.path("version").asInt());
    Map<String, String> rows = new LinkedHashMap<>();
    rows.put("Add-ons", "");
    rows.put("Change", describe(release));
    rows.put("By", release.path("user").path("email").asText());
    rows.put("Current", String.valueOf(release.path("current").asBoolean()));
    rows.put("When", release.path("created_at").asText());
    printRows(rows);
    out.println();
    out.println("=== v" + release.path("version").asInt() + " Config vars");
    TreeMap<String, String> sorted = new TreeMap<>();
    vars.fields().forEachRemaining(f -> sorted.put(f.getKey(), f.getValue().asText()));
    printRows(sorted);
    return 0;
  }

  private int rollback(Args args) throws IOException {
    if (args.has("to")) {
      return restore(args);
    }
    if (args.has("dry-run")) {
      throw new Problem("--dry-run goes with --to T: skiff rollback --to 2h --dry-run");
    }
    String app = app(args);
    ApiClient api = api(args);
    JsonNode target;
    if (args.positional(0).isPresent()) {
      String v = args.positional(0).get();
      target = api.get("/apps/" + app + "/releases/" + (v.startsWith("v") ? v.substring(1) : v));
    } else {
      JsonNode recent = api.get("/apps/" + app + "/releases", "version ..; max=10, order=desc");
      List<JsonNode> eligible = new ArrayList<>();
      recent.forEach(r -> {
        if (r.path("eligible_for_rollback").asBoolean()) {
          eligible.add(r);
        }
      });
      if (eligible.size() < 2) {
        throw new Problem("No eligible release found to roll back to.");
      }
      target = eligible.get(1);
    }
    String targetId = target.path("id").asText();
    step("Rolling back ⬢ " + app + " to v" + target.path("version").asInt(),
        () -> api.post("/apps/" + app + "/releases", Map.of("release", targetId)),
        created -> "done, v" + created.path("version").asInt());
    return 0;
  }

  /** {@code rollback --to T}: the app as it was at T, by replaying its journal; {@code --dry-run} only lists. */
  private int restore(Args args) throws IOException {
    String app = app(args);
    if (args.positional(0).isPresent()) {
      throw new Problem("Give either a release (rollback v3) or an instant (rollback --to 2h), not both.");
    }
    String at = instantOrAgo(args.value(null, "to").orElseThrow());
    boolean dryRun = args.has("dry-run");
    ApiClient api = api(args);
    Map<String, Object> body = Map.of("at", at, "dry_run", dryRun);
    JsonNode result = dryRun ? api.post("/apps/" + app + "/restores", body)
        : step("Restoring ⬢ " + app + " to " + at, () -> api.post("/apps/" + app + "/restores", body),
            r -> r.path("changes").isEmpty() ? "nothing to change"
                : "done" + (r.path("release").isObject() ? ", v" + r.path("release").path("version").asInt() : ""));
    if (json(args, result)) {
      return 0;
    }
    out.println("=== " + app + ": " + (dryRun ? "restoring to " + at + " would change" : "changed to as of " + at));
    if (result.path("changes").isEmpty()) {
      out.println("  nothing: " + app + " is as it was then");
    }
    result.path("changes").forEach(c -> out.println(c.path("text").asText()));
    return 0;
  }

  private int psScale(Args args) throws IOException {
    String app = app(args);
    ApiClient api = api(args);
    if (args.positionals().isEmpty()) {
      JsonNode formation = api.get("/apps/" + app + "/formation");
      if (json(args, formation)) {
        return 0;
      }
      List<String> parts = new ArrayList<>();
      formation.forEach(f -> parts.add(f.path("type").asText() + "=" + f.path("quantity").asInt() + ":"
          + f.path("size").asText()));
      out.println(parts.isEmpty() ? "No process types on " + app + ". Deploy it first." : String.join(" ", parts));
      return 0;
    }
    List<Map<String, String>> updates = new ArrayList<>();
    for (String spec : args.positionals()) {
      var m = java.util.regex.Pattern.compile("^([A-Za-z0-9_-]+)([=+-])(.*)$").matcher(spec);
      if (!m.matches()) {
        throw new Problem("'" + spec + "' is not TYPE=N[:SIZE] (or TYPE+N / TYPE-N). Example: skiff ps:scale web=2");
      }
      Map<String, String> update = new LinkedHashMap<>();
      update.put("type", m.group(1));
      String amount = m.group(3);
      String size = null;
      if (amount.contains(":")) {
        size = amount.substring(amount.indexOf(':') + 1);
        amount = amount.substring(0, amount.indexOf(':'));
      }
      if (!amount.isEmpty()) {
        update.put("quantity", (m.group(2).equals("=") ? "" : m.group(2)) + amount);
      }
      if (size != null && !size.isEmpty()) {
        update.put("size", size);
      }
      updates.add(update);
    }
    step("Scaling dynos", () -> api.patch("/apps/" + app + "/formation", Map.of("updates", updates)), result -> {
      List<String> parts = new ArrayList<>();
      result.forEach(f -> parts.add(f.path("type").asText() + " at " + f.path("quantity").asInt() + ":"
          + f.path("size").asText()));
      return "done, now running " + String.join(", ", parts);
    });
    return 0;
  }

  private int ps(Args args) throws IOException {
    String app = app(args);
    JsonNode dynos = api(args).get("/apps/" + app + "/dynos");
    if (json(args, dynos)) {
      return 0;
    }
    if (dynos.isEmpty()) {
      out.println("No dynos on ⬢ " + app);
      return 0;
    }
    Map<String, List<JsonNode>> byType = new java.util.TreeMap<>();
    dynos.forEach(d -> byType.computeIfAbsent(d.path("type").asText(), t -> new ArrayList<>()).add(d));
    Optional<String> only = args.positional(0);
    Instant now = Instant.now();
    for (var entry : byType.entrySet()) {
      if (only.isPresent() && !only.get().equals(entry.getKey())) {
        continue;
      }
      JsonNode first = entry.getValue().get(0);
      out.println("=== " + entry.getKey() + " (" + first.path("size").asText() + "): " + first.path("command").asText()
          + " (" + entry.getValue().size() + ")");
      for (JsonNode d : entry.getValue()) {
        StringBuilder line = new StringBuilder(d.path("name").asText() + ": " + d.path("state").asText());
        if (d.hasNonNull("updated_at")) {
          Instant since = Instant.parse(d.path("updated_at").asText());
          line.append(' ').append(WHEN.format(since)).append(" (~ ").append(ago(since, now)).append(" ago)");
        }
        if (d.hasNonNull("restart_at")) {
          Instant at = Instant.parse(d.path("restart_at").asText());
          line.append(", restarting at ").append(WHEN.format(at)).append(" (in ")
              .append(ago(now, at)).append("; skiff ps:restart ").append(d.path("name").asText())
              .append(" restarts it now)");
        }
        if (d.hasNonNull("node")) {
          line.append(" on ").append(d.path("node").asText());
        }
        out.println(line);
      }
      out.println();
    }
    return 0;
  }

  static String ago(Instant from, Instant to) {
    long s = Math.max(0, java.time.Duration.between(from, to).getSeconds());
    return s < 60 ? s + "s" : s < 3600 ? (s / 60) + "m" : (s / 3600) + "h";
  }

  private int psRestart(Args args, boolean stop) {
    String app = app(args);
    ApiClient api = api(args);
    Optional<String> which = args.positional(0).or(() -> args.value("p", "process-type"))
        .or(() -> args.value(null, "dyno-name"));
    if (stop && which.isEmpty()) {
      throw new Problem("Say which dyno or type to stop, e.g. skiff ps:stop web.1 -a " + app);
    }
    String target = which.map(w -> w + " ").orElse("all ") + (which.map(w -> w.contains(".") ? "dyno" : "dynos")
        .orElse("dynos"));
    step((stop ? "Stopping " : "Restarting ") + target + " on ⬢ " + app, () -> {
      if (stop) {
        String w = which.get();
        return api.post("/apps/" + app + (w.contains(".") ? "/dynos/" : "/formations/") + w + "/actions/stop", Map.of());
      }
      return api.delete("/apps/" + app + "/dynos" + which.map(w -> "/" + w).orElse(""));
    }, r -> "done");
    return 0;
  }

  private int status(Args args) throws IOException {
    JsonNode status = api(args).get("/status");
    if (json(args, status)) {
      return 0;
    }
    Map<String, String> rows = new LinkedHashMap<>();
    rows.put("API", apiBase());
    rows.put("Node", status.path("node").asText());
    rows.put("Journal", status.path("journal").asText());
    rows.put("Isolation", status.path("isolation").asText());
    printRows(rows);
    return 0;
  }

  private int logs(Args args) throws Exception {
    String app = app(args);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("lines", Integer.parseInt(args.value("n", "num").orElse("100")));
    body.put("tail", args.has("t") || args.has("tail"));
    args.value("d", "dyno").or(() -> args.value("p", "ps")).ifPresent(d -> body.put("dyno", d));
    args.value("s", "source").ifPresent(src -> body.put("source", src));
    JsonNode session = api(args).post("/apps/" + app + "/log-sessions", body);
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    java.net.http.HttpResponse<java.util.stream.Stream<String>> stream = http.send(
        java.net.http.HttpRequest.newBuilder(URI.create(session.path("logplex_url").asText()))
            .header("Accept", "text/event-stream").build(),
        java.net.http.HttpResponse.BodyHandlers.ofLines());
    if (stream.statusCode() != 200) {
      throw new Problem("The log stream answered HTTP " + stream.statusCode() + ".");
    }
    stream.body().filter(l -> l.startsWith("data: ")).forEach(l -> {
      out.println(l.substring(6));
      out.flush();
    });
    return 0;
  }

  private static String oneOffCommand(Args args) {
    List<String> words = args.afterDashes().isEmpty() ? args.positionals() : args.afterDashes();
    if (words.isEmpty()) {
      throw new Problem("Say what to run: skiff run -a APP -- COMMAND");
    }
    // words the shell would split or expand are quoted, so `-- sh -c 'exit 3'` stays three words
    return words.size() == 1 ? words.get(0) : String.join(" ", words.stream().map(SkiffCli::shellWord).toList());
  }

  static String shellWord(String word) {
    return word.matches("[A-Za-z0-9_./:=@%+,-]+") ? word : "'" + word.replace("'", "'\\''") + "'";
  }

  private static final String EXIT_MARKER = "\uFFFF skiff-command-exit-status: ";

  /**
   * Attached one-off: the command (followed by an exit-status marker line) runs in run.N; its
   * output comes back over the TLS rendezvous connection, and the marker gives this process's status.
   */
  private int run(Args args) throws Exception {
    String app = app(args);
    String command = oneOffCommand(args);
    Map<String, String> env = new LinkedHashMap<>();
    args.value("e", "env").ifPresent(list -> {
      for (String pair : list.split(";")) {
        int eq = pair.indexOf('=');
        if (eq > 0) {
          env.put(pair.substring(0, eq).trim(), pair.substring(eq + 1));
        }
      }
    });
    env.putIfAbsent("TERM", this.env.getOrDefault("TERM", "dumb"));
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("command", command + "; echo \"" + EXIT_MARKER + "$?\"");
    body.put("attach", true);
    body.put("env", env);
    body.put("force_no_tty", true);
    JsonNode dyno = step("Running " + command + " on ⬢ " + app, () -> api(args).post("/apps/" + app + "/dynos", body),
        d -> "up, " + d.path("name").asText());
    URI attach = URI.create(dyno.path("attach_url").asText());
    try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) tlsContext().getSocketFactory()
        .createSocket(attach.getHost(), attach.getPort())) {
      socket.startHandshake();
      java.io.OutputStream toDyno = socket.getOutputStream();
      java.io.InputStream fromDyno = socket.getInputStream();
      toDyno.write((attach.getPath().substring(1) + "\r\n").getBytes(StandardCharsets.US_ASCII));
      toDyno.flush();
      for (int c; (c = fromDyno.read()) >= 0 && c != '\n'; ) {
        // the ack line
      }
      Thread input = new Thread(() -> {
        try {
          System.in.transferTo(toDyno);
          toDyno.write(4); // EOT: the end of our input
          toDyno.flush();
        } catch (IOException ignored) {
          // the dyno ended first
        }
      }, "run-input");
      input.setDaemon(true);
      input.start();
      return copyUntilExitMarker(fromDyno);
    }
  }

  /** Copies the dyno's output to ours and returns the status from the marker line (255 if none came). */
  private int copyUntilExitMarker(java.io.InputStream fromDyno) throws IOException {
    java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
    byte[] marker = EXIT_MARKER.getBytes(StandardCharsets.UTF_8);
    for (int c; (c = fromDyno.read()) >= 0; ) {
      line.write(c);
      if (c == '\n') {
        String text = line.toString(StandardCharsets.UTF_8);
        int at = text.indexOf(EXIT_MARKER);
        String status = at >= 0 ? text.substring(at + EXIT_MARKER.length()).trim() : "";
        // only the marker with a number is ours; the command line echoed back (`…$?"`) is output
        if (at >= 0 && status.matches("\\d{1,3}")) {
          out.print(text.substring(0, at));
          out.flush();
          return Integer.parseInt(status);
        }
        out.print(text);
        out.flush();
        line.reset();
      } else if (line.size() == 1 && c != (marker[0] & 0xff) && fromDyno.available() == 0) {
        out.print((char) c);
        out.flush();
        line.reset();
      }
    }
    out.print(line.toString(StandardCharsets.UTF_8));
    err.println(" ▸    The connection ended without the command's exit status.");
    return 255;
  }

  private javax.net.ssl.SSLContext tlsContext() {
    return SkiffTrust.context(SkiffTrust.caFile(env, home()));
  }

  private int events(Args args) throws IOException {
    List<String> query = new ArrayList<>();
    args.value(null, "since").ifPresent(v -> query.add("since=" + instantOrAgo(v)));
    args.value(null, "until").ifPresent(v -> query.add("until=" + instantOrAgo(v)));
    args.value(null, "type").ifPresent(v -> query.add("type=" + v));
    args.value("d", "dyno").ifPresent(v -> query.add("dyno=" + v));
    args.value(null, "actor").ifPresent(v -> query.add("actor=" + v));
    if (args.has("reveal")) {
      query.add("reveal=true");
    }
    String path = (args.has("all") ? "/events" : "/apps/" + app(args) + "/events") + (query.isEmpty() ? "" : "?"
        + String.join("&", query.stream().map(q -> q.replace("+", "%2B")).toList()));
    boolean json = args.has("json");
    if (args.has("follow")) {
      api(args).lines(path, "text/event-stream", line -> {
        if (line.startsWith("data: ")) {
          String data = line.substring(6);
          try {
            out.println(json ? data : eventLine(ApiClient.JSON.readTree(data)));
          } catch (IOException e) {
            throw new Problem("The server sent an event that is not JSON: " + data);
          }
        }
      });
      return 0;
    }
    // the newest 1,000 matching events, printed oldest first as a story reads
    JsonNode newestFirst = api(args).get(path, "id ..; max=" + EVENTS_SHOWN + ", order=desc");
    com.fasterxml.jackson.databind.node.ArrayNode events = ApiClient.JSON.createArrayNode();
    for (int i = newestFirst.size() - 1; i >= 0; i--) {
      events.add(newestFirst.get(i));
    }
    if (!json(args, events)) {
      events.forEach(e -> out.println(eventLine(e)));
    }
    if (events.size() == EVENTS_SHOWN) {
      err.println("(the newest " + EVENTS_SHOWN + " matching events; narrow with --since, --until or --type for others)");
    }
    return 0;
  }

  private static final int EVENTS_SHOWN = 1000;

  /** One event on one line: time, actor, what happened (and to which dyno), the request behind it. */
  private static String eventLine(JsonNode e) {
    return String.format("%s  %-18s %-20s %s%s", e.path("at").asText(), e.path("actor").asText(),
        e.path("type").asText() + (e.has("dyno") ? " " + e.path("dyno").asText() : ""), summary(e.path("data")),
        (e.path("request_id").isNull() ? "" : "  request_id=" + e.path("request_id").asText())
            + (e.has("via") ? "  via=" + e.path("via").asText() : ""));
  }

  /** A compact one-line rendering of an event's data. */
  private static String summary(JsonNode data) {
    if (data.has("release")) {
      JsonNode r = data.path("release");
      return "v" + r.path("version").asInt() + " \"" + r.path("description").asText() + "\" (" + r.path("status")
          .asText() + ")";
    }
    String text = data.toString();
    return text.length() > 120 ? text.substring(0, 117) + "..." : text;
  }

  /** "1h", "30m", "2d" ago, or an ISO instant as given. */
  static String instantOrAgo(String value) {
    var m = java.util.regex.Pattern.compile("^(\\d+)([smhd])$").matcher(value);
    if (!m.matches()) {
      return value;
    }
    long n = Long.parseLong(m.group(1));
    java.time.Duration d = switch (m.group(2)) {
      case "s" -> java.time.Duration.ofSeconds(n);
      case "m" -> java.time.Duration.ofMinutes(n);
      case "h" -> java.time.Duration.ofHours(n);
      default -> java.time.Duration.ofDays(n);
    };
    return Instant.now().minus(d).toString();
  }

  private int eventsExport(Args args) {
    String path = (args.has("all") ? "/events/export" : "/apps/" + app(args) + "/events/export")
        + (args.has("reveal") ? "?reveal=true" : "");
    long[] count = {0};
    api(args).lines(path, "application/x-ndjson", line -> {
      if (!line.isBlank()) {
        out.println(line);
        count[0]++;
      }
    });
    out.flush();
    err.println("Exported " + count[0] + " events" + (args.has("all") ? " of the whole platform." : " of "
        + app(args) + "."));
    return 0;
  }

  private int eventsVerify(Args args) throws Exception {
    Path file = Path.of(args.positional(0).orElseThrow(() -> new Problem("Usage: skiff events:verify FILE")));
    if (!Files.isReadable(file)) {
      throw new Problem("Cannot read " + file + ".");
    }
    for (JournalReplay.AppState app : JournalReplay.replay(Files.readAllLines(file))) {
      out.println(app.describe());
    }
    return 0;
  }

  private JsonNode stateAt(Args args, String app, String at, boolean reveal) {
    return api(args).get("/apps/" + app + "/state?at=" + instantOrAgo(at).replace("+", "%2B")
        + (reveal ? "&reveal=true" : ""));
  }

  private int state(Args args) throws IOException {
    String app = app(args);
    JsonNode state = stateAt(args, app, args.value(null, "at").orElse(Instant.now().toString()), args.has("reveal"));
    if (json(args, state)) {
      return 0;
    }
    out.println("=== " + state.path("name").asText() + " at " + state.path("at").asText());
    Map<String, String> rows = new LinkedHashMap<>();
    rows.put("Release", "v" + state.path("release").path("version").asInt() + " "
        + state.path("release").path("description").asText(""));
    rows.put("Slug", state.path("release").path("slug_checksum").asText("none"));
    rows.put("Maintenance", state.path("maintenance").asBoolean() ? "on" : "off");
    List<String> vars = new ArrayList<>();
    if (state.has("config_vars")) {
      state.path("config_vars").fields().forEachRemaining(f -> vars.add(f.getKey() + "=" + f.getValue().asText()));
    } else {
      state.path("config_var_names").forEach(v -> vars.add(v.asText()));
    }
    rows.put("Config vars", String.join(", ", vars));
    List<String> formation = new ArrayList<>();
    state.path("formation").forEach(f -> formation.add(f.path("type").asText() + "=" + f.path("quantity").asInt() + ":"
        + f.path("size").asText()));
    rows.put("Formation", String.join(" ", formation));
    rows.put("Domains", String.join(", ", texts(state.path("domains"))));
    rows.put("Drains", String.join(", ", texts(state.path("drains"))));
    rows.put("Stack", state.path("stack").asText());
    List<String> dynos = new ArrayList<>();
    state.path("dynos").forEach(d -> dynos.add(d.path("name").asText() + " " + d.path("state").asText() + " (v"
        + d.path("release").asInt() + ")"));
    rows.put("Dynos", String.join(", ", dynos));
    printRows(rows);
    return 0;
  }

  private int stateDiff(Args args) {
    String app = app(args);
    String from = args.value(null, "from").orElseThrow(() -> new Problem("Usage: skiff state:diff --from T1 --to T2"));
    String to = args.value(null, "to").orElse(Instant.now().toString());
    JsonNode a = stateAt(args, app, from, false);
    JsonNode b = stateAt(args, app, to, false);
    out.println("=== " + app + ": " + a.path("at").asText() + " -> " + b.path("at").asText());
    diffLine("Release", "v" + a.path("release").path("version").asInt(), "v" + b.path("release").path("version").asInt());
    diffLine("Slug", a.path("release").path("slug_checksum").asText("none"),
        b.path("release").path("slug_checksum").asText("none"));
    diffNames("Config vars", a.path("config_var_names"), b.path("config_var_names"));
    diffLine("Formation", a.path("formation").toString(), b.path("formation").toString());
    diffLine("Process types", a.path("process_types").toString(), b.path("process_types").toString());
    diffLine("Maintenance", a.path("maintenance").asText(), b.path("maintenance").asText());
    diffLine("Stack", a.path("stack").asText(), b.path("stack").asText());
    diffNames("Domains", a.path("domains"), b.path("domains"));
    diffNames("Drains", a.path("drains"), b.path("drains"));
    return 0;
  }

  private int releasesDiff(Args args) {
    String app = app(args);
    ApiClient api = api(args);
    String va = args.positional(0).orElseThrow(() -> new Problem("Usage: skiff releases:diff vA vB -a APP"));
    String vb = args.positional(1).orElseThrow(() -> new Problem("Usage: skiff releases:diff vA vB -a APP"));
    String a = va.replaceFirst("^v", "");
    String b = vb.replaceFirst("^v", "");
    JsonNode ra = api.get("/apps/" + app + "/releases/" + a);
    JsonNode rb = api.get("/apps/" + app + "/releases/" + b);
    JsonNode ca = api.get("/apps/" + app + "/releases/" + a + "/config-vars");
    JsonNode cb = api.get("/apps/" + app + "/releases/" + b + "/config-vars");
    out.println("=== " + app + ": v" + a + " -> v" + b);
    diffLine("Description", ra.path("description").asText(), rb.path("description").asText());
    diffLine("Slug", ra.path("slug").path("id").asText("none"), rb.path("slug").path("id").asText("none"));
    diffLine("Process types", processTypes(api, app, ra), processTypes(api, app, rb));
    TreeMap<String, String> before = new TreeMap<>();
    ca.fields().forEachRemaining(f -> before.put(f.getKey(), f.getValue().asText()));
    TreeMap<String, String> after = new TreeMap<>();
    cb.fields().forEachRemaining(f -> after.put(f.getKey(), f.getValue().asText()));
    java.util.TreeSet<String> keys = new java.util.TreeSet<>(before.keySet());
    keys.addAll(after.keySet());
    for (String k : keys) {
      if (!before.containsKey(k)) {
        out.println("+ config " + k);
      } else if (!after.containsKey(k)) {
        out.println("- config " + k);
      } else if (!before.get(k).equals(after.get(k))) {
        out.println("~ config " + k + " (changed)");
      }
    }
    return 0;
  }

  /** A release's process types are its slug's; a release without a slug has none. */
  private static String processTypes(ApiClient api, String app, JsonNode release) {
    if (release.path("slug").path("id").isMissingNode() || release.path("slug").path("id").isNull()) {
      return "{}";
    }
    return api.get("/apps/" + app + "/slugs/" + release.path("slug").path("id").asText()).path("process_types")
        .toString();
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private void diffLine(String what, String a, String b) {
    out.println(a.equals(b) ? "  " + what + ": " + a : "~ " + what + ": " + a + " -> " + b);
  }

  private void diffNames(String what, JsonNode a, JsonNode b) {
    java.util.Set<String> before = new java.util.TreeSet<>();
    a.forEach(n -> before.add(n.asText()));
    java.util.Set<String> after = new java.util.TreeSet<>();
    b.forEach(n -> after.add(n.asText()));
    after.stream().filter(n -> !before.contains(n)).forEach(n -> out.println("+ " + what + ": " + n));
    before.stream().filter(n -> !after.contains(n)).forEach(n -> out.println("- " + what + ": " + n));
  }

  private int maintenance(Args args, boolean on) {
    String app = app(args);
    ApiClient api = api(args);
    step((on ? "Enabling" : "Disabling") + " maintenance mode for ⬢ " + app,
        () -> api.patch("/apps/" + app, Map.of("maintenance", on)), r -> "done");
    return 0;
  }

  private int stack(Args args) {
    String app = app(args);
    ApiClient api = api(args);
    JsonNode info = api.get("/apps/" + app);
    out.println("=== ⬢ " + app + " Available Stacks");
    for (JsonNode s : api.get("/stacks")) {
      boolean current = s.path("name").asText().equals(info.path("stack").path("name").asText());
      out.println((current ? "* " : "  ") + s.path("name").asText());
    }
    return 0;
  }

  private int domains(Args args) throws IOException {
    String app = app(args);
    JsonNode domains = api(args).get("/apps/" + app + "/domains", "id ..; max=1000;");
    if (json(args, domains)) {
      return 0;
    }
    out.println("=== " + app + " Heroku Domain");
    domains.forEach(d -> {
      if (d.path("kind").asText().equals("heroku")) {
        out.println(d.path("hostname").asText());
      }
    });
    List<JsonNode> custom = new ArrayList<>();
    domains.forEach(d -> {
      if (!d.path("kind").asText().equals("heroku")) {
        custom.add(d);
      }
    });
    if (!custom.isEmpty()) {
      out.println();
      out.println("=== " + app + " Custom Domains");
      custom.forEach(d -> out.println(d.path("hostname").asText()));
    }
    return 0;
  }

  private int help(Args args) {
    Optional<String> about = args.positional(0);
    if (about.isPresent()) {
      Command c = commands.get(aliases.getOrDefault(about.get(), about.get()));
      if (c == null) {
        throw new Problem(about.get() + " is not a skiff command." + closest(about.get()).map(s -> " Perhaps you meant "
            + s + "?").orElse(""));
      }
      out.println("Usage: skiff " + c.usage() + "\n\n  " + c.summary());
      return 0;
    }
    out.println("Usage: skiff COMMAND [ARGS]\n\n  server" + " ".repeat(17) + "start a Skiff node");
    commands.values().forEach(c -> out.printf("  %-22s %s%n", c.name(), c.summary()));
    out.println("\nThe app is -a APP, else the 'skiff' git remote of this directory. The API is SKIFF_HOST"
        + " (default http://127.0.0.1:5000);\nthe token is SKIFF_API_KEY, HEROKU_API_KEY or ~/.netrc."
        + " Most listings take --json.");
    return 0;
  }

  Optional<String> closest(String typed) {
    return commands.keySet().stream()
        .min(Comparator.comparingInt(c -> distance(c, typed)))
        .filter(c -> distance(c, typed) <= Math.max(2, typed.length() / 3));
  }

  static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      int[] cur = new int[b.length() + 1];
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
      }
      prev = cur;
    }
    return prev[b.length()];
  }

  private void printRows(Map<String, String> rows) {
    int width = rows.keySet().stream().mapToInt(String::length).max().orElse(0) + 1;
    rows.forEach((k, v) -> out.printf("%-" + width + "s %s%n", k + ":", v));
  }
}
