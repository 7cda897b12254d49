package skiff.http.router;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/**
 * The router's own pages: plain HTML, as Heroku serves them, or the app's ERROR_PAGE_URL /
 * MAINTENANCE_PAGE_URL shown in a frame.
 */
final class ErrorPages {
  private ErrorPages() {}

  static FullHttpResponse noSuchApp(ByteBufAllocator alloc, String host, String domain) {
    return html(alloc, 404, "No such app", "There is no app at <code>" + escape(host) + "</code>. Apps answer at"
        + " <code>NAME." + escape(domain) + "</code>.");
  }

  static FullHttpResponse badRequest(ByteBufAllocator alloc, String why) {
    return html(alloc, 400, "Bad Request", escape(why));
  }

  static FullHttpResponse page(ByteBufAllocator alloc, String code, int status, String customUrl) {
    if (customUrl != null && !customUrl.isBlank()) {
      return response(alloc, status, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" + title(code)
          + "</title><style>html,body,iframe{margin:0;padding:0;border:0;width:100%;height:100%}</style></head>"
          + "<body><iframe src=\"" + escape(customUrl) + "\"></iframe></body></html>");
    }
    return html(alloc, status, title(code), switch (code) {
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

  private static FullHttpResponse html(ByteBufAllocator alloc, int status, String title, String body) {
    return response(alloc, status, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" + escape(title)
        + "</title></head><body style=\"font-family:sans-serif;margin:4em auto;max-width:40em\"><h1>"
        + escape(title) + "</h1><p>" + body + "</p></body></html>");
  }

  private static FullHttpResponse response(ByteBufAllocator alloc, int status, String html) {
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
        ByteBufUtil.writeUtf8(alloc, html));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=UTF-8")
        .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
    return response;
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
