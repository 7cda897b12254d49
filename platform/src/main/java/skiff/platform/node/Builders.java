package skiff.platform.node;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import skiff.actors.apps.AppService;
import skiff.actors.builds.BuildLogs;
import skiff.actors.builds.BuildService;
import skiff.actors.builds.Scratch;
import skiff.actors.builds.SharedFiles;
import skiff.actors.builds.SlugStore;
import skiff.http.api.PublicUrls;
import skiff.http.builds.SourceBlobs;
import skiff.http.git.GitRepositories;
import skiff.http.git.RepositorySync;
import skiff.persistence.JournalDatabase;
import skiff.platform.artifacts.SharedArtifacts;
import skiff.platform.artifacts.SharedNamedFiles;
import skiff.platform.artifacts.SharedRepositories;
import skiff.platform.build.BuildpackSlugCompiler;
import skiff.platform.build.BuiltinBuildpacks;
import skiff.platform.build.ClusterBuildLogs;
import skiff.platform.build.FileBuildLogs;
import skiff.platform.build.FileSlugStore;
import skiff.platform.build.SharedSlugStore;
import skiff.platform.sandbox.NodeNetwork;
import skiff.platform.stacks.StackImages;

/** The node's build machinery: buildpacks, slug store, build logs, git repositories and their threads. */
record Builders(BuildpackSlugCompiler compiler, SlugStore slugs, Optional<SharedSlugStore> shared, BuildLogs logs,
    GitRepositories repositories, SourceBlobs sources, ExecutorService blocking, Path scratch, SharedFiles files) {

  /** On a PostgreSQL journal (a cluster), slugs are kept in it for every node, the local store a cache. */
  static Builders create(Settings settings, JournalDatabase journal, Optional<StackImages> stacks,
      Optional<NodeNetwork> network, org.apache.pekko.actor.typed.ActorSystem<?> system) {
    Path home = settings.home();
    try {
      Path scratch = home.resolve("tmp");
      Scratch.delete(scratch); // what builds interrupted by a crash left behind
      FileSlugStore local = new FileSlugStore(home.resolve("slugs"));
      Optional<SharedSlugStore> shared = journal.isPostgres()
          ? Optional.of(new SharedSlugStore(journal, local, scratch.resolve("slugs"))) : Optional.empty();
      SlugStore slugs = shared.isPresent() ? shared.get() : local;
      // in a cluster, what one node's builds leave (caches, uploaded sources, output) every node reads
      Optional<SharedArtifacts> artifacts = journal.isPostgres() ? Optional.of(new SharedArtifacts(journal))
          : Optional.empty();
      SharedFiles sharedFiles = artifacts.<SharedFiles>map(SharedNamedFiles::new).orElse(SharedFiles.NONE);
      BuildpackSlugCompiler compiler = new BuildpackSlugCompiler(BuiltinBuildpacks.install(home.resolve("buildpacks")),
          home.resolve("cache"), scratch, slugs,
          new BuildpackSlugCompiler.Limits(settings.slugWarnBytes(), settings.slugMaxBytes(), settings.buildTimeout()),
          stacks, network, sharedFiles);
      // git transfers and builds block on I/O and child processes: they get threads of their own
      ExecutorService blocking = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "skiff-git-build");
        t.setDaemon(true);
        return t;
      });
      FileBuildLogs files = new FileBuildLogs(home.resolve("builds"), sharedFiles);
      // in a cluster a running build's output streams live through every node
      BuildLogs logs = journal.isPostgres() ? new ClusterBuildLogs(files, system) : files;
      return new Builders(compiler, slugs, shared, logs,
          new GitRepositories(home.resolve("repos"), artifacts.isPresent()
              ? new SharedRepositories(artifacts.get(), scratch.resolve("repos")) : RepositorySync.LOCAL),
          new SourceBlobs(home.resolve("sources"), sharedFiles), blocking, scratch, sharedFiles);
    } catch (IOException e) {
      throw new SettingsException("cannot prepare the build directories in " + home + ": " + e.getMessage());
    }
  }

  BuildService service(AppService apps, PublicUrls urls) {
    return new BuildService(apps, compiler, logs, urls::webUrl);
  }
}
