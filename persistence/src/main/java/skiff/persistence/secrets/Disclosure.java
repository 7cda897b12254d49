package skiff.persistence.secrets;

/**
 * How a writer treats {@link SecretValues}, given to Jackson as the attribute {@link #ATTRIBUTE}.
 * Without the attribute values are redacted, so a new writer can never leak them by accident.
 */
public enum Disclosure {
  /** The journal: each value sealed with the app's data key. */
  SEAL,
  /** An admin asked to see the values (API with reveal, revealed export). */
  REVEAL,
  /** Names only: every value shown as {@link #REDACTED}. */
  REDACT;

  public static final String ATTRIBUTE = "skiff.secrets.disclosure";
  /** The keyring a sealing writer or any reader uses, given as this Jackson attribute. */
  public static final String KEYRING = "skiff.secrets.keyring";
  public static final String REDACTED = "[redacted]";
  /** What a value reads as once its app's data key is deleted ({@code apps:destroy}). */
  public static final String SHREDDED = "[shredded]";
}
