package skiff.actors.apps;

import java.time.Instant;
import java.util.Map;
import skiff.persistence.CborSerializable;

/**
 * A compiled, immutable app: what a release runs. The archive itself lives in the slug store,
 * addressed by {@code checksum} ("SHA256:hex"); this is its description.
 */
public record Slug(
    String id,
    String checksum,
    long size,
    Map<String, String> processTypes,
    String commit,
    String commitDescription,
    String buildpackDescription,
    String stack,
    Instant createdAt)
    implements CborSerializable {

  public Slug {
    processTypes = Map.copyOf(processTypes);
  }
}
