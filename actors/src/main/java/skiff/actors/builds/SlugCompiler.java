package skiff.actors.builds;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Turns a source tree into a slug with buildpacks: the port the build flow needs, implemented by
 * the platform's buildpack adapter. Output lines (Heroku's "-----> …" and 7-space detail lines)
 * go to {@code output} as they are produced.
 */
public interface SlugCompiler {

  /**
   * @param source the checked-out source; the compiler may change it in place
   * @param buildpack a pinned buildpack (local path or git URL), else detection over the built-ins
   * @param stack the stack to build on (the app's build stack)
   */
  record Request(String appId, String appName, Path source, Map<String, String> config, Optional<String> buildpack,
      String stack) {}

  /** The compiled slug, already in the slug store under {@code checksum}. */
  record Result(String checksum, long size, Map<String, String> processTypes, String buildpack, String stack) {}

  Result compile(Request request, Consumer<String> output) throws BuildFailure;
}
