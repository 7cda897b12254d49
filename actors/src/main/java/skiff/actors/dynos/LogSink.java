package skiff.actors.dynos;

/** Where an app's log lines go: dyno output ({@code app[web.1]}) and platform lines ({@code heroku[web.1]}). */
@FunctionalInterface
public interface LogSink {
  void append(String appId, String source, String dyno, String message);

  LogSink NONE = (appId, source, dyno, message) -> { };
}
