package skiff.persistence;

/**
 * Marker for every message and event that may cross a node boundary or enter the journal.
 * Bound to jackson-cbor in this module's reference.conf, so one binding covers the whole domain.
 */
public interface CborSerializable {}
