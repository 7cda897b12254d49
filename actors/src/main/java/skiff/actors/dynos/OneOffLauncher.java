package skiff.actors.dynos;

/**
 * How a node runs one-off dynos (the node's adapter, as {@link DynoRuntime} is for formation
 * dynos): its agent hands it what the app's one-off entity decided and passes on what becomes of it.
 */
public interface OneOffLauncher {
  /** What becomes of a one-off, told from the launcher's threads. */
  interface Outcome {
    /** The process runs (attached: the client connected). */
    void up();

    /**
     * It is over: the process exited with {@code status}, or an attached one was never connected to
     * (-1); {@code lastLine} is the last line it wrote, or null.
     */
    void ended(int status, String lastLine);
  }

  /**
   * Starts {@code spec} as {@code runId} (detached), or readies it for its client (attached):
   * returns the attach URL ({@code rendezvous://HOST:PORT/SECRET}, this node's), null when detached.
   */
  String launch(String runId, OneOffSpec spec, Outcome outcome) throws Exception;

  /** Whether {@code runId} is still running or waiting for its client here. */
  boolean running(String runId);

  /** Ends every one-off of this node at once (it was downed). */
  void stopAll();

  /** A node that runs no one-offs. */
  OneOffLauncher NONE = new OneOffLauncher() {
    @Override
    public String launch(String runId, OneOffSpec spec, Outcome outcome) {
      throw new IllegalStateException("this node runs no one-off dynos");
    }

    @Override
    public boolean running(String runId) {
      return false;
    }

    @Override
    public void stopAll() {}
  };
}
