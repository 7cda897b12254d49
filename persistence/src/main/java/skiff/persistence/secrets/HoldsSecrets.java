package skiff.persistence.secrets;

/** A record with {@link SecretValues}: the app whose data key seals them. */
public interface HoldsSecrets {
  String secretsOwner();
}
