package skiff.platform.node;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.japi.function.Function;
import org.apache.pekko.stream.Materializer;
import skiff.actors.apps.AppObserver;
import skiff.actors.apps.AppService;
import skiff.platform.logs.ApiLogLines;
import skiff.platform.logs.ClusterLogs;
import skiff.platform.logs.LogDrains;
import skiff.actors.logs.AppLogplex;
import skiff.actors.builds.BuildService;
import skiff.http.api.BuildEndpoints;
import skiff.http.api.DynoEndpoints;
import skiff.http.api.EventEndpoints;
import skiff.http.api.RestoreEndpoints;
import skiff.http.api.StateEndpoints;
import skiff.http.api.LogEndpoints;
import skiff.http.logs.LogSessions;
import skiff.http.api.PlatformApi;
import skiff.http.builds.BuildStreams;
import skiff.http.git.GitSmartHttp;
import skiff.http.api.PublicUrls;
import skiff.http.router.Router;
import skiff.http.router.RouterSettings;
import skiff.http.router.RoutingTable;
import skiff.platform.sandbox.NodeNetwork;
import skiff.persistence.JournalDatabase;
import skiff.actors.accounts.AccessView;
import skiff.actors.accounts.AccountService;
import skiff.http.api.AppGuard;
import skiff.persistence.JournalSchema;
import skiff.platform.build.SlugCollector;
import skiff.persistence.secrets.Keyring;
import skiff.platform.dynos.OneOffDynos;
import skiff.platform.dynos.RendezvousListener;
import skiff.platform.tls.CertificateAuthority;
import org.apache.pekko.actor.CoordinatedShutdown;

/**
 * One running Skiff node: the actor system in its cluster, the journal, the entities, and the
 * API, git and router listeners. {@link #start} either returns a node that serves, or throws a
 * {@link SettingsException} whose message is the one line that says why not.
 */
public final class SkiffNode implements AutoCloseable {
  private final ActorSystem<Void> system;
  private final Settings settings;
  private final List<ServerBinding> bindings;
  private final int apiPort;
  private final int apiTlsPort;
  private final int routerPort;
  private final int routerTlsPort;
  private final String adminToken;
  private final CertificateAuthority ca;
  private final AppService apps;
  private final HomeLock homeLock;
  private final Dynos dynos;

  private SkiffNode(ActorSystem<Void> system, Settings settings, List<ServerBinding> bindings, int routerPort,
      int routerTlsPort, String adminToken, CertificateAuthority ca, AppService apps, HomeLock homeLock, Dynos dynos) {
    this.homeLock = homeLock;
    this.dynos = dynos;
    this.system = system;
    this.settings = settings;
    this.bindings = bindings;
    this.apiPort = bindings.get(0).localAddress().getPort();
    this.apiTlsPort = bindings.get(1).localAddress().getPort();
    this.routerPort = routerPort;
    this.routerTlsPort = routerTlsPort;
    this.adminToken = adminToken;
    this.ca = ca;
    this.apps = apps;
  }

  public static SkiffNode start(Settings settings, PrintStream out) {
    long started = System.nanoTime();
    prepareHome(settings.home());
    HomeLock homeLock = HomeLock.acquire(settings.home());
    try {
      return start(settings, out, started, homeLock);
    } catch (RuntimeException e) {
      homeLock.close();
      throw e;
    }
  }

  private static SkiffNode start(Settings settings, PrintStream out, long started, HomeLock homeLock) {
    for (var port : List.of(
        new Listener("SKIFF_API_PORT", settings.apiPort()),
        new Listener("SKIFF_API_TLS_PORT", settings.apiTlsPort()),
        new Listener("SKIFF_ROUTER_PORT", settings.routerPort()),
        new Listener("SKIFF_RENDEZVOUS_PORT", settings.rendezvousPort()))) {
      port.checkFree(settings.bind());
    }
    AdminToken.Resolved token;
    String masterKey;
    Path tlsDir = settings.home().resolve("tls");
    CertificateAuthority ca = new CertificateAuthority(tlsDir);
    SSLContext tls;
    byte[] bootstrapHash;
    byte[] hopSecret;
    byte[] logSessionKey;
    JournalDatabase journal = NodeConfig.journal(settings);
    try {
      JournalSchema.migrate(journal);
    } catch (IllegalStateException e) {
      throw new SettingsException(e.getMessage() + " (check SKIFF_DATABASE_URL and that the database is running)");
    }
    try {
      token = AdminToken.resolve(settings.home(), settings.adminToken());
      masterKey = MasterKey.resolve(settings.home(), settings.secretKey());
      // what every node of a cluster shares: the master key, the CA, the bootstrap token
      ClusterSecrets shared = new ClusterSecrets(journal, masterKey);
      shared.checkMasterKey();
      shared.shareCa(ca, tlsDir, CertificateAuthority.subjectNames(settings.domain(), settings.bind()));
      bootstrapHash = shared.adminTokenHash(token.token());
      hopSecret = shared.routerHopSecret();
      logSessionKey = shared.logSessionKey();
      if (!java.util.Arrays.equals(bootstrapHash, ClusterSecrets.sha256(token.token()))) {
        if (settings.adminToken().isPresent()) {
          throw new SettingsException("SKIFF_ADMIN_TOKEN is not the bootstrap admin token the other nodes of this"
              + " cluster use: give every node the same one, or none (nodes then share the first node's)");
        }
        if (token.generated()) {
          Files.deleteIfExists(token.file()); // not this cluster's token: nobody should be told to use it
        }
        token = new AdminToken.Resolved(token.token(), false, null);
      }
      tls = ca.serverContext();
    } catch (SettingsException e) {
      throw e;
    } catch (Exception e) {
      throw new SettingsException("cannot prepare " + settings.home() + ": " + e.getMessage());
    }

    NodeRegistry registry = new NodeRegistry(journal);
    String homeKey = homeKey(settings.home());
    if (journal.isPostgres() && settings.seedNodes().isEmpty()) {
      // a node without seeds forms a cluster of its own: on a journal another cluster writes, two
      // clusters would each run the same entities
      registry.liveOther(homeKey, Instant.now()).ifPresent(other -> {
        throw new SettingsException("another Skiff node, " + other.name() + " at " + other.address() + ", is using"
            + " this database (heard from " + Duration.between(other.seenAt(), Instant.now()).toSeconds()
            + " s ago): join its cluster with SKIFF_SEED_NODES=" + other.address() + " (a node started without"
            + " seed nodes would form a second cluster writing the same journal)");
      });
    }
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), NodeConfig.SYSTEM_NAME,
        NodeConfig.pekko(settings, journal, masterKey));
    try {
      try {
        // made now, not at the first write: a wrong master key stops the start with its reason
        Keyring.get(system);
        HomeFiles.close(settings.home());
      } catch (IOException e) {
        throw new SettingsException("cannot close " + settings.home() + " to other users: " + e.getMessage());
      } catch (IllegalStateException e) {
        throw new SettingsException(String.valueOf(e.getMessage()));
      }
      Cluster cluster = Cluster.get(system);
      if (settings.seedNodes().isEmpty()) {
        cluster.manager().tell(Join.create(cluster.selfMember().address()));
      }
      var stacks = NodeStacks.open(settings, out);
      var network = NodeStacks.network(settings, stacks, out);
      Builders builders = Builders.create(settings, journal, stacks, network, system);
      String nodeName = NodeHeartbeat.nodeName(settings, system);
      RoutingTable routes = new RoutingTable(settings.domain(), port -> NodeNetwork.endpoint(network, port), nodeName);
      // entities publish routing to every node's router; this node's router follows every node's
      ClusterRoutes routing = ClusterRoutes.start(system, nodeName, routes);
      AppService apps = new AppService(system, settings.askTimeout());
      // each app's log is one for the cluster, with its drains where it runs
      ClusterLogs logs = new ClusterLogs(system);
      AppLogplex.init(system, new LogDrains(logs, clientTls()), appId -> apps.find(appId)
          .thenApply(app -> List.copyOf(app.drains())));
      Dynos dynos = Dynos.start(system, settings, nodeName, builders.slugs(), routes, routing, logs, stacks, network);
      AppService.initEntities(system, settings.askTimeout(), dynos.reconciler(),
          AppObserver.all(routing, new ApiLogLines(logs), logs,
              new AppFiles(settings.home(), settings.sigtermGrace(), JANITOR, builders.files())));
      AccessView access = new AccessView();
      AccountService.initEntities(system, access);
      AccountService accounts = new AccountService(system, settings.askTimeout(), access);
      skiff.persistence.JournalReader journalReader = new skiff.persistence.JournalReader(system);
      AccessFeed.start(system, journalReader, access, Duration.ofSeconds(30));
      ensureAdmin(system, accounts, settings);
      collectSlugs(system, new SlugCollector(apps::keptSlugChecksums, settings.home(), SLUG_SPARE, builders.shared()));

      Http http = Http.get(system);
      List<ServerBinding> bindings = new ArrayList<>();
      // the API port is bound first, so its real port (0 = any) can go into the URLs the API hands out
      PlatformApi[] api = new PlatformApi[1];
      GitSmartHttp[] git = new GitSmartHttp[1];
      BuildStreams streams = new BuildStreams(builders.logs(), builders.sources(), Materializer.matFromSystem(system),
          builders.blocking());
      LogSessions logSessions = new LogSessions(dynos.logs(), Materializer.matFromSystem(system), logSessionKey);
      // one listener for the API, git and the capability URLs of builds and log sessions
      Function<HttpRequest, java.util.concurrent.CompletionStage<HttpResponse>> apiHandler =
          r -> GitSmartHttp.handles(r) ? git[0].handle(r)
              : BuildStreams.handles(r) ? streams.handle(r)
              : LogSessions.handles(r) ? logSessions.handle(r)
              : api[0].handle(r);
      bindings.add(bind(http.newServerAt(settings.bind(), settings.apiPort()).bind(apiHandler::apply),
          "SKIFF_API_PORT", settings));
      int boundApi = bindings.get(0).localAddress().getPort();
      Router router = new Router(routes, dynos.logs(), new RouterSettings(settings.routerTimeout(),
          settings.routerIdle(), settings.domain(), settings.routerRandom(),
          appId -> dynos.reconciler().wake(appId, "web.1", new skiff.actors.Cause("router", Instant.now(), null)),
          hopSecret, settings.routerThreads()));
      CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseServiceUnbind(), "router", () -> {
        router.close();
        return java.util.concurrent.CompletableFuture.completedFuture(org.apache.pekko.Done.getInstance());
      });
      Duration idleCheck = Duration.ofMillis(Math.max(100, Math.min(30_000, settings.idleAfter().toMillis() / 2)));
      system.scheduler().scheduleAtFixedRate(idleCheck, idleCheck, () -> routes.idleCandidates(
              settings.idleAfter().toNanos()).forEach(appId -> dynos.reconciler().idle(appId, "web.1",
              new skiff.actors.Cause("router", Instant.now(), null))),
          system.executionContext());
      bindings.add(bind(http.newServerAt(settings.bind(), settings.apiTlsPort())
          .enableHttps(ConnectionContext.httpsServer(tls)).bind(apiHandler::apply), "SKIFF_API_TLS_PORT", settings));
      int boundRouter = listen(router, settings, settings.routerPort(), null, "SKIFF_ROUTER_PORT");
      routing.routerAt(settings.advertiseHost(), boundRouter);
      int boundRouterTls = listen(router, settings, settings.routerTlsPort(), tls, "SKIFF_ROUTER_TLS_PORT");
      PublicUrls urls = new PublicUrls(settings.apiBase(boundApi), settings.domain(), boundRouter);
      NodeAuthenticator authenticator = new NodeAuthenticator(bootstrapHash, settings.adminEmail(), access);
      AppGuard guard = new AppGuard(apps, access);
      BuildService builds = builders.service(apps, urls);
      api[0] = new PlatformApi(system, apps, accounts, guard, authenticator, urls,
          () -> dynos.nodes().roomNow(settings.dynoMemoryBytes(), Duration.ofSeconds(2)));
      new BuildEndpoints(apps, builds, builders.sources(), urls, builders.blocking(), builders.scratch())
          .register(api[0].routes());
      OneOffDynos oneOffs = dynos.oneOffs();
      RendezvousListener rendezvous;
      try {
        rendezvous = new RendezvousListener(tls, settings.bind(), settings.rendezvousPort(), oneOffs);
      } catch (java.io.IOException e) {
        throw new SettingsException("SKIFF_RENDEZVOUS_PORT: cannot listen on " + settings.bind() + ":"
            + settings.rendezvousPort() + ": " + e.getMessage());
      }
      oneOffs.rendezvousPort(rendezvous.port());
      CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseServiceUnbind(), "rendezvous", () -> {
        try {
          rendezvous.close();
        } catch (java.io.IOException ignored) {
          // closing anyway
        }
        return java.util.concurrent.CompletableFuture.completedFuture(org.apache.pekko.Done.getInstance());
      });
      new DynoEndpoints(apps, dynos.reconciler(), new skiff.actors.dynos.OneOffs.Runner(system, settings.askTimeout()),
          urls).register(api[0].routes());
      new LogEndpoints(apps, logSessions, urls).register(api[0].routes());
      new EventEndpoints(apps, journalReader, Materializer.matFromSystem(system)).register(api[0].routes());
      skiff.actors.history.AppHistory history = new skiff.actors.history.AppHistory(journalReader);
      new StateEndpoints(apps, history).register(api[0].routes());
      new RestoreEndpoints(new skiff.actors.history.Restores(apps, history, builders.slugs()), urls)
          .register(api[0].routes());
      dynos.convergeAll(apps, routing);
      NodeHeartbeat.start(system, registry, settings, nodeName, homeKey, settings.apiBase(boundApi),
          dynos.runtime()::running);
      new NodeEndpoints(registry, nodeName, system, dynos.nodes()).register(api[0].routes());
      api[0].routes().get("/status", call -> java.util.concurrent.CompletableFuture.completedStage(
          skiff.http.api.ApiResponse.ok(skiff.http.api.Representations.JSON.createObjectNode()
              .put("node", system.address().toString())
              .put("isolation", dynos.runtime().isolation())
              .put("isolated", dynos.runtime().isolated())
              .put("journal", journal.isPostgres() ? "postgresql" : "h2"))));
      git[0] = new GitSmartHttp(apps, builds, builders.repositories(), authenticator, guard,
          Materializer.matFromSystem(system), builders.blocking(), builders.scratch());

      SkiffNode node = new SkiffNode(system, settings, bindings, boundRouter, boundRouterTls, token.token(), ca, apps,
          homeLock, dynos);
      node.printBanner(out, journal, token, Duration.ofNanos(System.nanoTime() - started));
      return node;
    } catch (RuntimeException e) {
      system.terminate();
      awaitQuietly(system);
      throw e;
    }
  }

  private record Listener(String variable, int port) {
    void checkFree(String bind) {
      if (port == 0) {
        return;
      }
      try (ServerSocket socket = new ServerSocket()) {
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(bind, port));
      } catch (IOException e) {
        throw new SettingsException(variable + "=" + port + ": " + bind + ":" + port
            + " is already in use; stop what listens there or choose another port with " + variable);
      }
    }
  }

  private static ServerBinding bind(java.util.concurrent.CompletionStage<ServerBinding> binding, String variable,
      Settings settings) {
    try {
      return binding.toCompletableFuture().get(15, TimeUnit.SECONDS);
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new SettingsException(variable + ": cannot listen on " + settings.bind() + ": " + cause.getMessage());
    }
  }

  /** The router's listeners are Netty's, not Pekko's: bound here with the same one-line failure. */
  private static int listen(Router router, Settings settings, int port, SSLContext tls, String variable) {
    try {
      return router.listen(settings.bind(), port, tls);
    } catch (Exception e) {
      throw new SettingsException(variable + ": cannot listen on " + settings.bind() + ": " + e.getMessage());
    }
  }

  /** This node's machine and SKIFF_HOME, as the node registry tells its own rows from others'. */
  static String homeKey(java.nio.file.Path home) {
    String host;
    try {
      host = java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      host = "unknown-host";
    }
    try {
      byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(
          (host + "|" + home.toAbsolutePath()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(digest, 0, 16);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The bootstrap admin as an account (made at the first start), so it can be listed and given a
   * password. The bootstrap token works without it, so a failure here is told, not fatal.
   */
  private static void ensureAdmin(ActorSystem<?> system, AccountService accounts, Settings settings) {
    try {
      accounts.ensureAdmin(settings.adminEmail(), skiff.actors.Cause.platform(Instant.now()))
          .toCompletableFuture().get(settings.askTimeout().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      system.log().warn("the admin account {} is not in the journal ({}); its bootstrap token still works",
          settings.adminEmail(), e.getMessage());
    }
  }

  /** Deletes destroyed apps' dyno directories once their processes had time to stop. */
  private static final java.util.concurrent.ScheduledExecutorService JANITOR =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "skiff-app-files");
        t.setDaemon(true);
        return t;
      });

  /** Slug files no app keeps are deleted a few minutes after start, then hourly. */
  private static final Duration SLUG_SPARE = Duration.ofHours(1);

  private static void collectSlugs(ActorSystem<?> system, SlugCollector collector) {
    system.scheduler().scheduleAtFixedRate(Duration.ofMinutes(5), Duration.ofHours(1), () -> collector.collect()
        .whenComplete((deleted, error) -> {
          if (error != null) {
            system.log().warn("slug collection skipped: {}", error.getMessage());
          } else if (!deleted.isEmpty()) {
            system.log().info("deleted {} slug(s) no app keeps", deleted.size());
          }
        }), system.executionContext());
  }

  private static void prepareHome(Path home) {
    try {
      Files.createDirectories(home);
      Files.createDirectories(home.resolve("journal"));
      HomeFiles.close(home);
      Path probe = Files.createTempFile(home, ".write-check", "");
      Files.delete(probe);
    } catch (AccessDeniedException e) {
      throw new SettingsException("SKIFF_HOME=" + home + " is not writable (permission denied on " + e.getFile()
          + "): choose a directory you own with SKIFF_HOME");
    } catch (FileSystemException e) {
      throw new SettingsException("SKIFF_HOME=" + home + " cannot be used: " + e.getReason() + " (" + e.getFile()
          + "); choose another directory with SKIFF_HOME");
    } catch (IOException e) {
      throw new SettingsException("SKIFF_HOME=" + home + " cannot be used: " + e.getMessage());
    }
  }

  /** Drains over TLS trust what the JVM trusts. */
  private static SSLContext clientTls() {
    try {
      return SSLContext.getDefault();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private void printBanner(PrintStream out, JournalDatabase journal, AdminToken.Resolved token, Duration took) {
    String host = settings.hostForClients();
    out.println("skiff: data       " + settings.home());
    out.println("skiff: journal    " + (journal.isPostgres() ? journal.url() : "embedded H2 in " + settings.home().resolve("journal")));
    out.println("skiff: cluster    " + system.address() + (settings.seedNodes().isEmpty() ? " (single node)"
        : " seeds " + String.join(",", settings.seedNodes())));
    out.println("skiff: API        http://" + host + ":" + apiPort + "   git: http://" + host + ":" + apiPort + "/APP.git");
    out.println("skiff: API (TLS)  https://" + host + ":" + apiTlsPort + "   CA: " + ca.caPem());
    out.println("skiff: router     http://APP." + settings.domain() + ":" + routerPort + "   https://APP."
        + settings.domain() + ":" + routerTlsPort);
    if (settings.adminToken().isPresent()) {
      out.println("skiff: admin      " + settings.adminEmail() + ", token from SKIFF_ADMIN_TOKEN");
    } else if (token.file() == null) {
      out.println("skiff: admin      " + settings.adminEmail() + ", the cluster's bootstrap token (in the admin.token"
          + " of the node that made it)");
    } else if (token.generated()) {
      // only enough of it to tell tokens apart: start-up output ends up in logs and terminals' scrollback
      out.println("skiff: admin      " + settings.adminEmail() + ", new token " + token.token().substring(0, 12)
          + "... (the whole token is in " + token.file() + ")");
    } else {
      out.println("skiff: admin      " + settings.adminEmail() + ", token in " + token.file());
    }
    out.println("skiff: dynos      isolation: " + dynos.runtime().isolation());
    out.printf("skiff: ready in %.1f s%n", took.toMillis() / 1000.0);
    out.flush();
  }

  public int apiPort() {
    return apiPort;
  }

  public int apiTlsPort() {
    return apiTlsPort;
  }

  public int routerTlsPort() {
    return routerTlsPort;
  }

  public int routerPort() {
    return routerPort;
  }

  public String adminToken() {
    return adminToken;
  }

  public Path caPem() {
    return ca.caPem();
  }

  public ActorSystem<Void> system() {
    return system;
  }

  public AppService apps() {
    return apps;
  }

  public Dynos dynos() {
    return dynos;
  }

  public void awaitTermination() {
    system.getWhenTerminated().toCompletableFuture().join();
  }

  @Override
  public void close() {
    bindings.forEach(b -> b.unbind());
    system.terminate();
    awaitQuietly(system);
    homeLock.close();
  }

  private static void awaitQuietly(ActorSystem<?> system) {
    try {
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // shutting down anyway
    }
  }
}
