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
import skiff.actors.builds.SharedFiles;

/**
 * Source tarballs for the builds API: uploads land here through a capability URL (what
 * {@code POST /sources} hands out), and a build's {@code source_blob.url} is fetched and unpacked
 * into a build directory, a single top-level folder being stripped as Heroku does.
 */
public final class SourceBlobs {
  /** Redirects are followed by hand, so that each hop's target is checked like the first. */
  private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
      .connectTimeout(Duration.ofSeconds(10)).build();
  private static final int MAX_REDIRECTS = 5;
  private static final java.util.regex.Pattern OWN_UPLOAD =
      java.util.regex.Pattern.compile("^/sources/([0-9a-f-]{36})$");
  private final Path dir;
  private final SharedFiles shared;

  public SourceBlobs(Path dir) throws IOException {
    this(dir, SharedFiles.NONE);
  }

  /**
   * In a cluster, upload slots and uploaded sources are kept in {@code shared}: a client may put
   * its source through any node, and a build on any node reads it.
   */
  public SourceBlobs(Path dir, SharedFiles shared) throws IOException {
    this.dir = Files.createDirectories(dir);
    this.shared = shared;
  }

  /** A new upload slot: {@code id} may be put once, through any node. */
  public String openSlot() throws IOException {
    String id = newId();
    Path slot = dir.resolve(id + ".slot");
    Files.writeString(slot, "");
    shared.put("source-slot:" + id, slot);
    return id;
  }

  /** Whether {@code id} is a slot still waiting for its upload. */
  public boolean slotOpen(String id) throws IOException {
    if (!id.matches("[0-9a-f-]{36}")) {
      return false;
    }
    Path slot = dir.resolve(id + ".slot");
    if (shared == SharedFiles.NONE) {
      return Files.exists(slot);
    }
    // in a cluster the shared slot decides: another node may have taken the upload already
    boolean open = shared.get("source-slot:" + id, slot, null).isPresent();
    if (!open) {
      Files.deleteIfExists(slot);
    }
    return open;
  }

  /** The upload for slot {@code id} arrived in {@code upload}: it becomes the source, and the slot closes. */
  public void uploaded(String id, Path upload) throws IOException {
    Path blob = blob(id).orElseThrow();
    Files.move(upload, blob, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    shared.put("source:" + id, blob);
    Files.deleteIfExists(dir.resolve(id + ".slot"));
    shared.forget("source-slot:" + id);
  }

  /** The uploaded source {@code id}, from this node's disk or the cluster's copy. */
  public Optional<Path> uploadedBlob(String id) {
    Optional<Path> blob = blob(id);
    if (blob.isEmpty() || Files.isRegularFile(blob.get())) {
      return blob.filter(Files::isRegularFile);
    }
    try {
      return shared.get("source:" + id, blob.get(), null).isPresent() ? blob : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
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

  /**
   * Why Skiff will not fetch this URL, or empty: an upload to this node's own {@code /sources}
   * is read from disk, anything else must be on another machine.
   */
  public Optional<String> problemWith(String url) {
    return ownUpload(url).isPresent() ? Optional.empty() : SourceUrlGuard.problemWith(url);
  }

  /** The uploaded blob a URL of our own {@code POST /sources} names, whatever host the client used. */
  private Optional<Path> ownUpload(String url) {
    try {
      var m = OWN_UPLOAD.matcher(URI.create(url).getPath());
      return m.matches() ? uploadedBlob(m.group(1)) : Optional.empty();
    } catch (IllegalArgumentException | NullPointerException e) {
      return Optional.empty();
    }
  }

  /** Downloads {@code url} into {@code target} (a fresh directory) and unpacks it there. */
  public void fetchAndUnpack(String rawUrl, String checksum, Path target) throws BuildFailure {
    String url = rawUrl == null ? "" : rawUrl.trim();
    Path archive = null;
    try {
      archive = Files.createTempFile(dir, "fetch-", ".tgz");
      Optional<Path> own = ownUpload(url);
      if (own.isPresent()) {
        Files.copy(own.get(), archive, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      } else {
        download(url, archive);
      }
      if (checksum != null && !checksum.isBlank()) {
        String actual = Checksums.sha256(archive);
        if (!actual.equalsIgnoreCase(checksum)) {
          throw new BuildFailure("source", "The source's checksum is " + actual + ", not " + checksum + ".");
        }
      }
      unpack(archive, target);
    } catch (IOException | RuntimeException e) {
      // a malformed URL or Location, anything the client refuses: the build fails saying so, never hangs
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

  private static void download(String url, Path archive) throws BuildFailure, IOException, InterruptedException {
    URI uri = URI.create(url);
    for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
      var problem = SourceUrlGuard.problemWith(uri.toString());
      if (problem.isPresent()) {
        throw new BuildFailure("source", (hop == 0 ? "" : "After " + hop + " redirect(s) from " + url + ": ")
            + problem.get());
      }
      // a redirect's body is dropped; the archive file is written from its start by the final answer only
      HttpResponse<Path> response = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(5)).build(),
          info -> info.statusCode() >= 300 && info.statusCode() < 400
              ? HttpResponse.BodySubscribers.replacing(archive)
              : HttpResponse.BodySubscribers.ofFile(archive, java.nio.file.StandardOpenOption.CREATE,
                  java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING));
      int status = response.statusCode();
      var location = response.headers().firstValue("Location");
      if (status >= 300 && status < 400 && location.isPresent()) {
        uri = uri.resolve(location.get());
        continue;
      }
      if (status != 200) {
        throw new BuildFailure("source", "Fetching the source from " + uri + " answered HTTP " + status + ".");
      }
      return;
    }
    throw new BuildFailure("source", "Fetching the source from " + url + " was redirected more than "
        + MAX_REDIRECTS + " times.");
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
