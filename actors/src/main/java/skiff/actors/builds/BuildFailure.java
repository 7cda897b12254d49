package skiff.actors.builds;

/** A build that cannot go on: the stage it stopped in (detect, compile, procfile, slug…) and why. */
public final class BuildFailure extends Exception {
  private final String stage;

  public BuildFailure(String stage, String reason) {
    super(reason);
    this.stage = stage;
  }

  public String stage() {
    return stage;
  }
}
