package skiff.actors.apps;

import skiff.persistence.CborSerializable;

/**
 * One requested formation change as clients send it: the quantity is a string because the
 * official CLI sends {@code "2"}, {@code "+1"} or {@code "-1"}; either field may be null.
 */
public record FormationUpdate(String type, String quantity, String size) implements CborSerializable {}
