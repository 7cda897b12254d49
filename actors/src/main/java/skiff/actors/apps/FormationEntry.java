package skiff.actors.apps;

import java.time.Instant;
import skiff.persistence.CborSerializable;
import skiff.persistence.JournalName;

/** How many dynos of one process type should run, and of which size. */
@JournalName("shared.formation-entry")
public record FormationEntry(String type, int quantity, String size, Instant updatedAt)
    implements CborSerializable {}
