package skiff.http.router;

import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.ParsingErrorHandler;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.scaladsl.model.ErrorInfo;
import org.apache.pekko.http.scaladsl.model.StatusCode;
import org.apache.pekko.http.scaladsl.settings.ServerSettings;

/**
 * The router's answer to requests it cannot parse or that break Heroku's limits (request line or a
 * header over 8192 bytes, over 1000 headers): 400 Bad Request, as Heroku's router gives, rather
 * than 414/431. Named in the router listeners' {@code parsing.error-handler}.
 */
public final class RequestLimitErrors extends ParsingErrorHandler {
  @Override
  public HttpResponse handle(StatusCode status, ErrorInfo info, LoggingAdapter log, ServerSettings settings) {
    int code = status.intValue() == 417 ? 417 : 400;
    return HttpResponse.create().withStatus(StatusCodes.get(code)).withEntity(ContentTypes.TEXT_HTML_UTF8,
        "<!DOCTYPE html><html><head><title>Bad Request</title></head><body><h1>Bad Request</h1><p>"
            + info.summary().replace("<", "&lt;") + "</p></body></html>");
  }
}
