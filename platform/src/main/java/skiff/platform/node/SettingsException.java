package skiff.platform.node;

/** A setting that stops the server from starting; its message is the one line the user sees. */
public final class SettingsException extends RuntimeException {
  public SettingsException(String message) {
    super(message, null, false, false);
  }
}
