-- Skiff's own tables beside the journal (the same SQL for PostgreSQL and H2). IF NOT EXISTS: the
-- versions before migrations made some of them at start, and such databases are baselined at V1.

-- the read side's tag query walks this index (TagIndexReadJournalDao)
CREATE INDEX IF NOT EXISTS "event_tag_tag_idx" ON "event_tag" ("tag", "event_id");

-- each app's data key, wrapped by the master key (Keyring)
CREATE TABLE IF NOT EXISTS skiff_app_keys (app_id VARCHAR(128) PRIMARY KEY, wrapped VARCHAR(512) NOT NULL);

-- the nodes using this database, as their heartbeats last said (NodeRegistry)
CREATE TABLE IF NOT EXISTS skiff_nodes (
  name VARCHAR(128) PRIMARY KEY,
  address VARCHAR(512) NOT NULL,
  api_url VARCHAR(512) NOT NULL,
  home_key VARCHAR(64) NOT NULL,
  started_at TIMESTAMP NOT NULL,
  seen_at TIMESTAMP NOT NULL,
  dynos INT NOT NULL
);

-- what every node of a cluster shares: the master key's proof, the CA, the bootstrap token's hash (ClusterSecrets)
CREATE TABLE IF NOT EXISTS skiff_cluster_secrets (name VARCHAR(64) PRIMARY KEY, content TEXT NOT NULL);
