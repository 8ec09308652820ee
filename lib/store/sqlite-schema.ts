/**
 * Forward-only migrations; index + 1 is the version. Never edit an applied one.
 * A schema change here needs its twin in postgres-schema.ts (same table and
 * column names), or `loupe migrate` and the PostgreSQL backend fall behind.
 */
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
  `
  ALTER TABLE orgs ADD COLUMN default_visibility TEXT NOT NULL DEFAULT 'org' CHECK (default_visibility IN ('org','members'));
  ALTER TABLE orgs ADD COLUMN publish_role TEXT NOT NULL DEFAULT 'member' CHECK (publish_role IN ('member','admin'));
  ALTER TABLE orgs ADD COLUMN retention_days INTEGER;
  ALTER TABLE artifacts ADD COLUMN visibility TEXT NOT NULL DEFAULT 'org' CHECK (visibility IN ('org','members'));
  ALTER TABLE artifacts ADD COLUMN legal_hold INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE artifacts ADD COLUMN publish_requested_at INTEGER;
  ALTER TABLE artifacts ADD COLUMN published_at INTEGER;
  ALTER TABLE artifacts ADD COLUMN published_by TEXT;
  UPDATE artifacts SET published_at = created_at WHERE status = 'published';
  CREATE INDEX artifacts_org_expiry ON artifacts(org_id, updated_at) WHERE legal_hold = 0;
  CREATE TABLE artifact_members (
    artifact_id TEXT NOT NULL REFERENCES artifacts(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    PRIMARY KEY (artifact_id, user_id)
  );
  CREATE INDEX artifact_members_user ON artifact_members(user_id);
  CREATE INDEX agent_tokens_org_user ON agent_tokens(org_id, user_id);
  CREATE INDEX sessions_user ON sessions(user_id);
  CREATE TABLE invitations (
    id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES orgs(id), secret_hash TEXT NOT NULL UNIQUE,
    email TEXT, role TEXT NOT NULL CHECK (role IN ('owner','admin','member','viewer')),
    created_by TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
    accepted_at INTEGER, accepted_by TEXT, revoked_at INTEGER
  );
  CREATE INDEX invitations_org ON invitations(org_id, created_at);
  CREATE TABLE audit_log (
    org_id TEXT NOT NULL, seq INTEGER NOT NULL, at INTEGER NOT NULL, action TEXT NOT NULL,
    actor_kind TEXT NOT NULL, actor_id TEXT, actor_name TEXT NOT NULL,
    artifact_id TEXT, target_type TEXT, target_id TEXT, target_label TEXT,
    details TEXT NOT NULL, ip TEXT, user_agent TEXT,
    prev_hash TEXT NOT NULL, hash TEXT NOT NULL,
    PRIMARY KEY (org_id, seq)
  );
  CREATE INDEX audit_org_action ON audit_log(org_id, action, seq);
  CREATE INDEX audit_org_actor ON audit_log(org_id, actor_id, seq);
  CREATE INDEX audit_org_artifact ON audit_log(org_id, artifact_id, seq);
  CREATE INDEX audit_org_at ON audit_log(org_id, at);
  -- Append-only inside the application; the hash chain catches anyone who goes around this.
  CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
  CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
  `,
  `
  CREATE TABLE versions (
    artifact_id TEXT NOT NULL, n INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('named','auto','restore')), message TEXT NOT NULL,
    author_kind TEXT NOT NULL, author_id TEXT NOT NULL, author_name TEXT NOT NULL, created_at INTEGER NOT NULL,
    session TEXT, commit_sha TEXT, pr_url TEXT,
    size_bytes INTEGER NOT NULL, change_bytes INTEGER NOT NULL, restored_from INTEGER, content_hash TEXT NOT NULL,
    keyframe INTEGER NOT NULL, data BLOB NOT NULL,
    PRIMARY KEY (artifact_id, n)
  );
  `,
  `
  CREATE TABLE version_seen (
    artifact_id TEXT NOT NULL, user_id TEXT NOT NULL, n INTEGER NOT NULL, seen_at INTEGER NOT NULL,
    PRIMARY KEY (artifact_id, user_id)
  );
  `,
  `
  ALTER TABLE orgs ADD COLUMN required_approvals INTEGER NOT NULL DEFAULT 1;
  CREATE TABLE review_threads (
    id TEXT PRIMARY KEY, artifact_id TEXT NOT NULL, org_id TEXT NOT NULL, anchor TEXT, version INTEGER,
    status TEXT NOT NULL CHECK (status IN ('open','resolved')),
    author TEXT NOT NULL, author_user_id TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
    resolved_by TEXT, resolved_at INTEGER, addressed TEXT
  );
  CREATE INDEX review_threads_artifact ON review_threads(artifact_id, created_at);
  CREATE TABLE review_comments (
    id TEXT PRIMARY KEY, thread_id TEXT NOT NULL, artifact_id TEXT NOT NULL,
    author TEXT NOT NULL, author_user_id TEXT NOT NULL, body TEXT NOT NULL, text TEXT NOT NULL, mentions TEXT NOT NULL,
    created_at INTEGER NOT NULL, edited_at INTEGER, deleted_at INTEGER, edits INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX review_comments_thread ON review_comments(thread_id, created_at);
  CREATE INDEX review_comments_artifact ON review_comments(artifact_id);
  CREATE TABLE review_comment_revisions (
    comment_id TEXT NOT NULL, n INTEGER NOT NULL, body TEXT NOT NULL, text TEXT NOT NULL, replaced_at INTEGER NOT NULL,
    PRIMARY KEY (comment_id, n)
  );
  CREATE TABLE review_reactions (
    comment_id TEXT NOT NULL, artifact_id TEXT NOT NULL, user_id TEXT NOT NULL, user_name TEXT NOT NULL,
    reaction TEXT NOT NULL, created_at INTEGER NOT NULL,
    PRIMARY KEY (comment_id, user_id, reaction)
  );
  CREATE INDEX review_reactions_artifact ON review_reactions(artifact_id);
  CREATE TABLE reviews (
    id TEXT PRIMARY KEY, artifact_id TEXT NOT NULL, org_id TEXT NOT NULL, version INTEGER NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('approve','request_changes','comment')), summary TEXT NOT NULL,
    reviewer TEXT NOT NULL, created_at INTEGER NOT NULL
  );
  CREATE INDEX reviews_artifact ON reviews(artifact_id, created_at);
  CREATE TABLE notifications (
    id TEXT PRIMARY KEY, user_id TEXT NOT NULL, org_id TEXT NOT NULL, kind TEXT NOT NULL, artifact_id TEXT NOT NULL,
    thread_id TEXT, comment_id TEXT, actor TEXT NOT NULL, excerpt TEXT NOT NULL, verdict TEXT, version INTEGER,
    created_at INTEGER NOT NULL, read_at INTEGER
  );
  CREATE INDEX notifications_user ON notifications(user_id, org_id, created_at DESC, id DESC);
  CREATE INDEX notifications_unread ON notifications(user_id, org_id) WHERE read_at IS NULL;
  CREATE INDEX notifications_artifact ON notifications(artifact_id);
  `,
  `
  CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at INTEGER NOT NULL, token INTEGER NOT NULL);
  `,
];
