package skiff.actors.logs;

import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import skiff.actors.dynos.LogSink;

/** Each app's recent log lines, and live followers of them (what log sessions read). */
public interface AppLogs extends LogSink {
  /** Lines after {@code afterSeq} (0 = from the start of what is kept), oldest first. */
  CompletionStage<List<LogLine>> since(String appId, long afterSeq);

  /**
   * Calls {@code follower} with every line of the app after {@code afterSeq}, then every new one,
   * in order and each once, until the returned handle is closed.
   */
  AutoCloseable follow(String appId, long afterSeq, Consumer<LogLine> follower);
}
