package skiff.http.router;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.stream.Materializer;
import skiff.actors.apps.AppEntity.LiveApp;
import skiff.actors.apps.AppService;

/**
 * The router's listener as it stands before dynos run: it finds the app a request is for by its
 * Host and answers with the Heroku error page that is true for it (no such app, H80 maintenance,
 * H81 nothing deployed yet, H14 no web dynos). Proxying to dynos replaces the last case.
 */
public final class RouterFrontDoor {
  private final AppService apps;
  private final String domain;
  private final Materializer materializer;

  public RouterFrontDoor(AppService apps, String domain, Materializer materializer) {
    this.apps = apps;
    this.domain = domain;
    this.materializer = materializer;
  }

  public CompletionStage<HttpResponse> handle(HttpRequest request) {
    request.discardEntityBytes(materializer);
    Optional<String> app = appName(request.getHeader("Host").map(h -> h.value()).orElse(""));
    if (app.isEmpty()) {
      return CompletableFuture.completedStage(page(404, "No such app",
          "There is no app at this address. Apps answer at NAME." + domain + "."));
    }
    return apps.find(app.get())
        .thenApply(this::answerFor)
        .exceptionally(e -> page(404, "No such app", "There is no app named " + app.get() + " here."));
  }

  private HttpResponse answerFor(LiveApp app) {
    if (app.maintenance()) {
      return heroku("H80", "Maintenance mode", "This app is undergoing maintenance right now. Check back soon.");
    }
    if (app.currentSlugId() == null) {
      return heroku("H81", "Blank app", "Nothing has been deployed to this app yet. Push code with git push.");
    }
    return heroku("H14", "No web processes running", "This app has no web dynos running.");
  }

  Optional<String> appName(String host) {
    String hostname = host.contains(":") ? host.substring(0, host.lastIndexOf(':')) : host;
    String suffix = "." + domain;
    if (hostname.endsWith(suffix) && hostname.length() > suffix.length()) {
      String name = hostname.substring(0, hostname.length() - suffix.length());
      return name.contains(".") ? Optional.empty() : Optional.of(name);
    }
    return Optional.empty();
  }

  private static HttpResponse heroku(String code, String title, String text) {
    return page(503, title, text).addHeader(RawHeader.create("X-Skiff-Error", code));
  }

  private static HttpResponse page(int status, String title, String text) {
    String html = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" + title + "</title></head>"
        + "<body style=\"font-family:sans-serif;margin:4em auto;max-width:40em\"><h1>" + title + "</h1><p>" + text
        + "</p></body></html>";
    return HttpResponse.create().withStatus(StatusCodes.get(status)).withEntity(ContentTypes.TEXT_HTML_UTF8, html);
  }
}
