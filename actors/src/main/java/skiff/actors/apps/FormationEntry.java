package skiff.actors.apps;

import java.time.Instant;
import skiff.persistence.CborSerializable;

/** How many dynos of one process type should run, and of which size. */
public record FormationEntry(String type, int quantity, String size, Instant updatedAt)
    implements CborSerializable {}
