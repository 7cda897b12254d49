package skiff.http.builds;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.StreamConverters;
import skiff.actors.builds.BuildLogs;

/**
 * The capability URLs of builds, reachable without a token because their ids are unguessable:
 * {@code /streams/builds/ID} (a build's output, followed until the build ends) and
 * {@code /sources/ID} (a source tarball upload slot, PUT once, then GET).
 */
public final class BuildStreams {
  private static final Pattern STREAM = Pattern.compile("^/streams/builds/([0-9a-f-]{36})$");
  private static final Pattern SOURCE = Pattern.compile("^/sources/([0-9a-f-]{36})$");
  private static final Duration POLL = Duration.ofMillis(200);

  private final BuildLogs logs;
  private final SourceBlobs sources;
  private final Materializer materializer;
  private final Executor blocking;

  public BuildStreams(BuildLogs logs, SourceBlobs sources, Materializer materializer, Executor blocking) {
    this.logs = logs;
    this.sources = sources;
    this.materializer = materializer;
    this.blocking = blocking;
  }

  public static boolean handles(HttpRequest request) {
    String path = request.getUri().path();
    return path.startsWith("/streams/builds/") || path.startsWith("/sources/");
  }

  public CompletionStage<HttpResponse> handle(HttpRequest request) {
    String path = request.getUri().path();
    String method = request.method().value();
    Matcher stream = STREAM.matcher(path);
    if (stream.matches() && method.equals("GET")) {
      request.discardEntityBytes(materializer);
      // finding a build another node runs may wait on that node: off the server's threads
      return CompletableFuture.supplyAsync(() -> follow(stream.group(1)), blocking);
    }
    Matcher source = SOURCE.matcher(path);
    if (source.matches()) {
      String id = source.group(1);
      Optional<Path> blob = sources.blob(id);
      boolean open;
      try {
        open = method.equals("PUT") && blob.isPresent() && sources.slotOpen(id);
      } catch (IOException e) {
        request.discardEntityBytes(materializer);
        return CompletableFuture.completedStage(text(503, "Cannot look up the upload slot: " + e.getMessage()));
      }
      if (open) {
        Path tmp = blob.get().resolveSibling(id + ".upload");
        return request.entity().getDataBytes().runWith(org.apache.pekko.stream.javadsl.FileIO.toPath(tmp), materializer)
            .thenApplyAsync(done -> {
              try {
                sources.uploaded(id, tmp);
              } catch (IOException e) {
                return text(500, "Storing the upload failed: " + e.getMessage());
              }
              return HttpResponse.create().withStatus(StatusCodes.OK);
            }, blocking);
      }
      request.discardEntityBytes(materializer);
      if (method.equals("GET")) {
        Optional<Path> uploaded = sources.uploadedBlob(id);
        if (uploaded.isPresent()) {
          return CompletableFuture.completedStage(HttpResponse.create().withEntity(HttpEntities.create(
              ContentTypes.APPLICATION_OCTET_STREAM, uploaded.get())));
        }
      }
    } else {
      request.discardEntityBytes(materializer);
    }
    return CompletableFuture.completedStage(text(404, "No such build stream or source."));
  }

  private HttpResponse follow(String buildId) {
    Optional<InputStream> log;
    try {
      log = logs.read(buildId);
    } catch (IOException e) {
      return text(500, e.getMessage());
    }
    if (log.isEmpty()) {
      return text(404, "No build " + buildId + ".");
    }
    var pair = StreamConverters.asOutputStream(Duration.ofMinutes(1)).preMaterialize(materializer);
    blocking.execute(() -> {
      byte[] buffer = new byte[8192];
      try (InputStream in = log.get(); OutputStream out = pair.first()) {
        while (true) {
          int n = in.read(buffer);
          if (n > 0) {
            out.write(buffer, 0, n);
            out.flush();
          } else if (logs.complete(buildId) && in.available() == 0) {
            int last = in.read(buffer);
            if (last <= 0) {
              return;
            }
            out.write(buffer, 0, last);
          } else {
            Thread.sleep(POLL.toMillis());
          }
        }
      } catch (IOException | InterruptedException e) {
        // the follower went away, or the node is stopping
      }
    });
    return HttpResponse.create().withEntity(HttpEntities.createChunked(ContentTypes.TEXT_PLAIN_UTF8, pair.second()));
  }

  private static HttpResponse text(int status, String message) {
    return HttpResponse.create().withStatus(StatusCodes.get(status)).withEntity(ContentTypes.TEXT_PLAIN_UTF8,
        message + "\n");
  }
}
