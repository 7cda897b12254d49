package skiff.actors.dynos;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import skiff.actors.Cause;
import skiff.actors.apps.AppEntity.LiveApp;

/**
 * One-off dynos ({@code run.N}): a command run once from the app's current release, attached to
 * the caller's terminal through the rendezvous listener of the node that runs it, or detached with
 * its output in the logs. They are never restarted and end with their process (or their connection).
 */
public interface OneOffRunner {
  /** {@code attachUrl} is {@code rendezvous://host:port/secret} when attached, null when detached. */
  record Started(String name, String attachUrl, String node) {}

  /** A one-off dyno as {@code ps} shows it, with the node it runs on. */
  record Running(String name, String command, String state, java.time.Instant since, int releaseVersion,
      String node) {}

  CompletionStage<Started> run(LiveApp app, String command, Map<String, String> env, boolean attach, boolean tty,
      Cause cause);

  CompletionStage<List<Running>> running(String appId);
}
