package skiff.http.git;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The receive-pack answer with JGit's "Updating references" progress taken out. JGit reports that
 * step on the progress side band twice (as it goes and when done), which a push run outside a
 * terminal prints as a doubled line after the build's output; it says nothing the push output
 * does not. Everything else, pkt-line by pkt-line, passes unchanged.
 */
final class QuietRefUpdates extends FilterOutputStream {
  private static final byte PROGRESS_BAND = 2;
  private static final java.util.regex.Pattern ONLY_REF_UPDATES =
      java.util.regex.Pattern.compile("(Updating references[^\\r\\n]*[\\r\\n]*)+");
  private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

  QuietRefUpdates(OutputStream out) {
    super(out);
  }

  @Override
  public void write(int b) throws IOException {
    pending.write(b);
    drain();
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    pending.write(b, off, len);
    drain();
  }

  /** Passes on every complete pkt-line in the buffer, leaving a partial one for the next write. */
  private void drain() throws IOException {
    byte[] buffer = pending.toByteArray();
    int at = 0;
    while (buffer.length - at >= 4) {
      int length;
      try {
        length = Integer.parseInt(new String(buffer, at, 4, StandardCharsets.US_ASCII), 16);
      } catch (NumberFormatException notPktLines) {
        // not pkt-line framing (it always is from receive-pack): pass the rest through as it is
        out.write(buffer, at, buffer.length - at);
        at = buffer.length;
        break;
      }
      int size = length < 4 ? 4 : length; // 0000 flush, 0001 delimiter: four bytes and no payload
      if (buffer.length - at < size) {
        break;
      }
      if (!isRefUpdateProgress(buffer, at, size)) {
        out.write(buffer, at, size);
      }
      at += size;
    }
    pending.reset();
    pending.write(buffer, at, buffer.length - at);
  }

  /** A progress packet that holds nothing but "Updating references…" updates, so nothing else is lost. */
  private static boolean isRefUpdateProgress(byte[] buffer, int at, int size) {
    if (size < 5 || buffer[at + 4] != PROGRESS_BAND) {
      return false;
    }
    String payload = new String(buffer, at + 5, size - 5, StandardCharsets.UTF_8);
    return ONLY_REF_UPDATES.matcher(payload).matches();
  }

  @Override
  public void flush() throws IOException {
    out.flush();
  }

  @Override
  public void close() throws IOException {
    if (pending.size() > 0) {
      out.write(pending.toByteArray());
      pending.reset();
    }
    super.close();
  }
}
