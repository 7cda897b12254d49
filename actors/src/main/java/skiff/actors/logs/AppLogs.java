package skiff.actors.logs;

import java.util.List;
import java.util.function.Consumer;
import skiff.actors.dynos.LogSink;

/** Each app's recent log lines, and live followers of them (what log sessions and drains read). */
public interface AppLogs extends LogSink {
  /** Lines after {@code afterSeq} (0 = from the start of what is kept), oldest first. */
  List<LogLine> since(String appId, long afterSeq);

  /** Calls {@code follower} with every new line of the app until the returned handle is closed. */
  AutoCloseable follow(String appId, Consumer<LogLine> follower);
}
