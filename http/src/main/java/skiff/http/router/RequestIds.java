package skiff.http.router;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * Request ids: a client's own kept when it looks like one (20–200 of {@code [A-Za-z0-9+/=-]}, as
 * Heroku accepts), else a new random UUID. Not {@link UUID#randomUUID()}: a request id needs to be
 * unique, not unguessable, and SecureRandom per request is a measurable part of a proxied request.
 */
final class RequestIds {
  private static final Pattern CLIENT_REQUEST_ID = Pattern.compile("^[A-Za-z0-9+/=-]{20,200}$");

  private RequestIds() {}

  static String keepOrCreate(String fromClient) {
    return fromClient != null && CLIENT_REQUEST_ID.matcher(fromClient).matches() ? fromClient : create();
  }

  static String create() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    // version 4 and the IETF variant, as a random UUID has
    long high = (random.nextLong() & ~0xF000L) | 0x4000L;
    long low = (random.nextLong() & ~(0xC000L << 48)) | (0x8000L << 48);
    return new UUID(high, low).toString();
  }
}
