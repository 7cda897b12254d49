-- Which git bundle (an artifact of kind 'git') is each app's repository as the cluster last stored
-- it: a node brings its own copy up to this one before serving a clone, a fetch or a push.
CREATE TABLE IF NOT EXISTS skiff_git_repos (
  app_id    TEXT PRIMARY KEY,
  checksum  TEXT NOT NULL,
  stored_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
