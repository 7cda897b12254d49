package skiff.platform.build;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import skiff.actors.builds.BuildLogs;
import skiff.actors.builds.SharedFiles;

/** Build output as {@code SKIFF_HOME/builds/ID.log}, with {@code ID.done} once the build has ended. */
public final class FileBuildLogs implements BuildLogs {
  private final Path dir;
  private final SharedFiles shared;

  public FileBuildLogs(Path dir) throws IOException {
    this(dir, SharedFiles.NONE);
  }

  /** In a cluster a finished build's output is kept in {@code shared}, for any node to show. */
  public FileBuildLogs(Path dir, SharedFiles shared) throws IOException {
    this.dir = Files.createDirectories(dir);
    this.shared = shared;
  }

  private Path log(String buildId) {
    if (!buildId.matches("[0-9a-f-]{36}")) {
      throw new IllegalArgumentException("not a build id: " + buildId);
    }
    return dir.resolve(buildId + ".log");
  }

  @Override
  public void reserve(String buildId) throws IOException {
    Files.write(log(buildId), new byte[0], StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  @Override
  public Writer open(String buildId) throws IOException {
    BufferedWriter out = Files.newBufferedWriter(log(buildId), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
    return new Writer() {
      @Override
      public synchronized void accept(String line) {
        try {
          out.write(line);
          out.write('\n');
          out.flush(); // followers of output_stream_url see each line as it comes
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }

      @Override
      public synchronized void close() {
        try {
          out.close();
          try {
            shared.put("build-output:" + buildId, log(buildId));
          } catch (IOException e) {
            // the build is over either way; only other nodes miss its output
            org.slf4j.LoggerFactory.getLogger(FileBuildLogs.class).warn("build {}: output not kept for the other"
                + " nodes: {}", buildId, e.toString());
          }
          Files.writeString(dir.resolve(buildId + ".done"), "");
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    };
  }

  @Override
  public Optional<InputStream> read(String buildId) throws IOException {
    Path file = log(buildId);
    return Files.exists(file) || fetched(buildId) ? Optional.of(Files.newInputStream(file)) : Optional.empty();
  }

  @Override
  public boolean complete(String buildId) {
    if (Files.exists(dir.resolve(buildId + ".done"))) {
      return true;
    }
    if (Files.exists(log(buildId))) {
      return false; // this node's build, still running: its .done says when it is over, not the database
    }
    try {
      return fetched(buildId);
    } catch (IOException e) {
      return false;
    }
  }

  /** The output of a build another node ran, copied here once it is finished. */
  private boolean fetched(String buildId) throws IOException {
    Path file = log(buildId);
    if (shared.get("build-output:" + buildId, file, null).isEmpty()) {
      return false;
    }
    Files.writeString(dir.resolve(buildId + ".done"), "");
    return true;
  }
}
