/** Forward-only migrations; index + 1 is the version. Never edit an applied one. */
export const SQLITE_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE orgs (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at INTEGER NOT NULL);
  CREATE TABLE users (
    id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
    password_hash TEXT, created_at INTEGER NOT NULL
  );
  CREATE TABLE memberships (
    org_id TEXT NOT NULL REFERENCES orgs(id), user_id TEXT NOT NULL REFERENCES users(id),
    role TEXT NOT NULL CHECK (role IN ('owner','admin','member','viewer')), created_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, user_id)
  );
  CREATE INDEX memberships_user ON memberships(user_id);
  CREATE TABLE sessions (
    id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, revoked_at INTEGER
  );
  CREATE TABLE agent_tokens (
    id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES orgs(id), user_id TEXT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, scopes TEXT NOT NULL,
    created_at INTEGER NOT NULL, expires_at INTEGER, last_used_at INTEGER, revoked_at INTEGER
  );
  CREATE TABLE artifacts (
    id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES orgs(id), created_by TEXT NOT NULL,
    title TEXT NOT NULL, project TEXT NOT NULL DEFAULT '', session TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL DEFAULT 'page', status TEXT NOT NULL DEFAULT 'published',
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, size_bytes INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX artifacts_org_updated ON artifacts(org_id, updated_at DESC, id DESC);
  CREATE TABLE docs (name TEXT PRIMARY KEY, snapshot BLOB NOT NULL, snapshot_seq INTEGER NOT NULL);
  CREATE TABLE doc_updates (seq INTEGER PRIMARY KEY AUTOINCREMENT, doc_name TEXT NOT NULL, data BLOB NOT NULL);
  CREATE INDEX doc_updates_doc_seq ON doc_updates(doc_name, seq);
  CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  `,
];
