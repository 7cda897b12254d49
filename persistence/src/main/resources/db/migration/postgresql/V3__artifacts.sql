-- Artifacts every node of a cluster reads (slugs): content-addressed by SHA-256, stored in chunks.
-- The artifact's row is written after its last chunk, in the same transaction: a row means complete.
CREATE TABLE IF NOT EXISTS skiff_artifacts (
  checksum  TEXT PRIMARY KEY,
  kind      TEXT NOT NULL,
  size      BIGINT NOT NULL,
  chunks    INTEGER NOT NULL,
  stored_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS skiff_artifact_chunks (
  checksum TEXT NOT NULL,
  seq      INTEGER NOT NULL,
  data     BYTEA NOT NULL,
  PRIMARY KEY (checksum, seq)
);
