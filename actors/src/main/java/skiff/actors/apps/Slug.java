package skiff.actors.apps;

import java.time.Instant;
import java.util.Map;
import skiff.persistence.CborSerializable;
import skiff.persistence.JournalName;

/**
 * A compiled, immutable app: what a release runs. The archive itself lives in the slug store,
 * addressed by {@code checksum} ("SHA256:hex"); this is its description.
 */
@JournalName("shared.slug")
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
