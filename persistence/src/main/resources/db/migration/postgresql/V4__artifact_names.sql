-- What a name stands for now among the shared artifacts: each app's git repository
-- ('git:APP_ID', a bundle), build cache ('cache:APP_ID', a tarball), uploaded sources
-- ('source:ID') and build output ('build-output:BUILD_ID'). A node brings its own copy up to the
-- named artifact before using it; an artifact replaced under its name is deleted with the change.
CREATE TABLE IF NOT EXISTS skiff_artifact_names (
  name      TEXT PRIMARY KEY,
  checksum  TEXT NOT NULL,
  named_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
