package skiff.http.builds;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import skiff.actors.builds.BuildFailure;
import skiff.actors.builds.Checksums;

/**
 * Source tarballs for the builds API: uploads land here through a capability URL (what
 * {@code POST /sources} hands out), and a build's {@code source_blob.url} is fetched and unpacked
 * into a build directory, a single top-level folder being stripped as Heroku does.
 */
public final class SourceBlobs {
  private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
      .connectTimeout(Duration.ofSeconds(10)).build();
  private final Path dir;

  public SourceBlobs(Path dir) throws IOException {
    this.dir = Files.createDirectories(dir);
  }

  public String newId() {
    return UUID.randomUUID().toString();
  }

  public Optional<Path> blob(String id) {
    if (!id.matches("[0-9a-f-]{36}")) {
      return Optional.empty();
    }
    return Optional.of(dir.resolve(id + ".tgz"));
  }

  /** Downloads {@code url} into {@code target} (a fresh directory) and unpacks it there. */
  public void fetchAndUnpack(String url, String checksum, Path target) throws BuildFailure {
    if (url == null || !url.matches("^https?://.+")) {
      throw new BuildFailure("source", "source_blob.url must be an http(s) URL of a .tar.gz, got '" + url + "'.");
    }
    Path archive = null;
    try {
      archive = Files.createTempFile(dir, "fetch-", ".tgz");
      HttpResponse<Path> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(5))
          .build(), HttpResponse.BodyHandlers.ofFile(archive));
      if (response.statusCode() != 200) {
        throw new BuildFailure("source", "Fetching the source from " + url + " answered HTTP " + response.statusCode()
            + ".");
      }
      if (checksum != null && !checksum.isBlank()) {
        String actual = Checksums.sha256(archive);
        if (!actual.equalsIgnoreCase(checksum)) {
          throw new BuildFailure("source", "The source's checksum is " + actual + ", not " + checksum + ".");
        }
      }
      unpack(archive, target);
    } catch (IOException e) {
      throw new BuildFailure("source", "Fetching the source from " + url + " failed: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BuildFailure("source", "Interrupted while fetching the source.");
    } finally {
      if (archive != null) {
        archive.toFile().delete();
      }
    }
  }

  static void unpack(Path archive, Path target) throws IOException, InterruptedException, BuildFailure {
    Process tar = new ProcessBuilder("tar", "-xzf", archive.toString(), "-C", target.toString(), "--no-same-owner")
        .redirectErrorStream(true).start();
    String output = new String(tar.getInputStream().readAllBytes());
    if (!tar.waitFor(5, TimeUnit.MINUTES) || tar.exitValue() != 0) {
      throw new BuildFailure("source", "The source is not a gzipped tarball: " + output.strip());
    }
    List<Path> top;
    try (var entries = Files.list(target)) {
      top = entries.toList();
    }
    if (top.size() == 1 && Files.isDirectory(top.get(0))) {
      Path single = top.get(0);
      try (var inner = Files.list(single)) {
        for (Path p : inner.toList()) {
          Files.move(p, target.resolve(p.getFileName().toString()));
        }
      }
      Files.delete(single);
    }
  }
}
