package skiff.http.router;

import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;

/**
 * The router's own pages: plain HTML, as Heroku serves them, or the app's ERROR_PAGE_URL /
 * MAINTENANCE_PAGE_URL shown in a frame.
 */
final class ErrorPages {
  private ErrorPages() {}

  static HttpResponse noSuchApp(String host, String domain) {
    return html(404, "No such app", "There is no app at <code>" + escape(host) + "</code>. Apps answer at"
        + " <code>NAME." + escape(domain) + "</code>.");
  }

  static HttpResponse page(String code, int status, String customUrl) {
    if (customUrl != null && !customUrl.isBlank()) {
      return HttpResponse.create().withStatus(StatusCodes.get(status)).withEntity(ContentTypes.TEXT_HTML_UTF8,
          "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" + title(code) + "</title><style>"
              + "html,body,iframe{margin:0;padding:0;border:0;width:100%;height:100%}</style></head><body>"
              + "<iframe src=\"" + escape(customUrl) + "\"></iframe></body></html>");
    }
    return html(status, title(code), switch (code) {
      case "H80" -> "This app is undergoing maintenance right now. Please check back later.";
      case "H81" -> "Nothing has been deployed to this app yet.";
      case "H14" -> "This app has no web dynos running.";
      default -> "An error occurred in the application and your page could not be served. If you are the"
          + " application owner, check your logs for details (" + code + ").";
    });
  }

  private static String title(String code) {
    return switch (code) {
      case "H80" -> "Offline for Maintenance";
      case "H81" -> "Skiff | Welcome to your new app!";
      default -> "Application Error";
    };
  }

  private static HttpResponse html(int status, String title, String body) {
    return HttpResponse.create().withStatus(StatusCodes.get(status)).withEntity(ContentTypes.TEXT_HTML_UTF8,
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" + escape(title) + "</title></head>"
            + "<body style=\"font-family:sans-serif;margin:4em auto;max-width:40em\"><h1>" + escape(title)
            + "</h1><p>" + body + "</p></body></html>");
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
