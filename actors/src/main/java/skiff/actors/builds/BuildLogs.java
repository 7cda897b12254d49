package skiff.actors.builds;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.function.Consumer;

/** Keeps each build's output so that it can be streamed while it runs and read afterwards. */
public interface BuildLogs {
  /** A sink for the build's lines; {@code close()} marks the log complete. */
  interface Writer extends Consumer<String>, AutoCloseable {
    @Override
    void close();
  }

  /** Starts an empty log, so followers can attach before the first line. */
  void reserve(String buildId) throws IOException;

  /** Appends to the build's log. */
  Writer open(String buildId) throws IOException;

  /** The log so far; empty if there is no such build log. */
  Optional<InputStream> read(String buildId) throws IOException;

  boolean complete(String buildId);
}
