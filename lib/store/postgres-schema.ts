/**
 * PostgreSQL migrations: forward-only, index + 1 is the version, never edit an
 * applied one. Tables and columns mirror lib/store/sqlite-schema.ts one for
 * one (the differences are listed at the top of postgres.ts), so `loupe
 * migrate` copies table by table. Integers and times are BIGINT (times are
 * milliseconds, past int4), blobs BYTEA, 0/1 flags stay integers.
 *
 * Every TEXT column compares bytewise (COLLATE "C"), as SQLite does: orderings
 * and keyset cursors over ids and names must not depend on the server's locale.
 */
const MIGRATIONS_SOURCE: readonly string[] = [
  `
  CREATE TABLE orgs (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at BIGINT NOT NULL,
    default_visibility TEXT NOT NULL DEFAULT 'org' CHECK (default_visibility IN ('org','members')),
    publish_role TEXT NOT NULL DEFAULT 'member' CHECK (publish_role IN ('member','admin')),
    retention_days BIGINT,
    required_approvals BIGINT NOT NULL DEFAULT 1
  );
  CREATE TABLE users (
    id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
    password_hash TEXT, created_at BIGINT NOT NULL
  );
  CREATE TABLE memberships (
    org_id TEXT NOT NULL REFERENCES orgs(id), user_id TEXT NOT NULL REFERENCES users(id),
    role TEXT NOT NULL CHECK (role IN ('owner','admin','member','viewer')), created_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, user_id)
  );
  CREATE INDEX memberships_user ON memberships(user_id);
  CREATE TABLE sessions (
    id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, revoked_at BIGINT
  );
  CREATE INDEX sessions_user ON sessions(user_id);
  CREATE TABLE agent_tokens (
    id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES orgs(id), user_id TEXT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, scopes TEXT NOT NULL,
    created_at BIGINT NOT NULL, expires_at BIGINT, last_used_at BIGINT, revoked_at BIGINT
  );
  CREATE INDEX agent_tokens_org_user ON agent_tokens(org_id, user_id);
  CREATE TABLE artifacts (
    id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES orgs(id), created_by TEXT NOT NULL,
    title TEXT NOT NULL, project TEXT NOT NULL DEFAULT '', session TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL DEFAULT 'page', status TEXT NOT NULL DEFAULT 'published',
    created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, size_bytes BIGINT NOT NULL DEFAULT 0,
    visibility TEXT NOT NULL DEFAULT 'org' CHECK (visibility IN ('org','members')),
    legal_hold BIGINT NOT NULL DEFAULT 0,
    publish_requested_at BIGINT, published_at BIGINT, published_by TEXT
  );
  CREATE INDEX artifacts_org_updated ON artifacts(org_id, updated_at DESC, id DESC);
  CREATE INDEX artifacts_org_expiry ON artifacts(org_id, updated_at) WHERE legal_hold = 0;
  CREATE TABLE artifact_members (
    artifact_id TEXT NOT NULL REFERENCES artifacts(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    PRIMARY KEY (artifact_id, user_id)
  );
  CREATE INDEX artifact_members_user ON artifact_members(user_id);
  -- The document's head: last_seq is the highest seq ever assigned (appends lock this row, see appendUpdates).
  CREATE TABLE docs (
    name TEXT PRIMARY KEY, snapshot BYTEA, snapshot_seq BIGINT NOT NULL DEFAULT 0, last_seq BIGINT NOT NULL DEFAULT 0
  );
  -- seq is per document (1, 2, 3…), not global as SQLite's AUTOINCREMENT.
  CREATE TABLE doc_updates (
    seq BIGINT NOT NULL, doc_name TEXT NOT NULL, data BYTEA NOT NULL,
    PRIMARY KEY (doc_name, seq)
  );
  CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE invitations (
    id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES orgs(id), secret_hash TEXT NOT NULL UNIQUE,
    email TEXT, role TEXT NOT NULL CHECK (role IN ('owner','admin','member','viewer')),
    created_by TEXT NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL,
    accepted_at BIGINT, accepted_by TEXT, revoked_at BIGINT
  );
  CREATE INDEX invitations_org ON invitations(org_id, created_at);
  CREATE TABLE audit_log (
    org_id TEXT NOT NULL, seq BIGINT NOT NULL, at BIGINT NOT NULL, action TEXT NOT NULL,
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
  CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN RAISE EXCEPTION 'audit_log is append-only'; END;
  $fn$;
  CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
  CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
  CREATE TABLE versions (
    artifact_id TEXT NOT NULL, n BIGINT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('named','auto','restore')), message TEXT NOT NULL,
    author_kind TEXT NOT NULL, author_id TEXT NOT NULL, author_name TEXT NOT NULL, created_at BIGINT NOT NULL,
    session TEXT, commit_sha TEXT, pr_url TEXT,
    size_bytes BIGINT NOT NULL, change_bytes BIGINT NOT NULL, restored_from BIGINT, content_hash TEXT NOT NULL,
    keyframe BIGINT NOT NULL, data BYTEA NOT NULL,
    PRIMARY KEY (artifact_id, n)
  );
  CREATE TABLE version_seen (
    artifact_id TEXT NOT NULL, user_id TEXT NOT NULL, n BIGINT NOT NULL, seen_at BIGINT NOT NULL,
    PRIMARY KEY (artifact_id, user_id)
  );
  CREATE TABLE review_threads (
    id TEXT PRIMARY KEY, artifact_id TEXT NOT NULL, org_id TEXT NOT NULL, anchor TEXT, version BIGINT,
    status TEXT NOT NULL CHECK (status IN ('open','resolved')),
    author TEXT NOT NULL, author_user_id TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
    resolved_by TEXT, resolved_at BIGINT, addressed TEXT
  );
  CREATE INDEX review_threads_artifact ON review_threads(artifact_id, created_at);
  CREATE TABLE review_comments (
    id TEXT PRIMARY KEY, thread_id TEXT NOT NULL, artifact_id TEXT NOT NULL,
    author TEXT NOT NULL, author_user_id TEXT NOT NULL, body TEXT NOT NULL, text TEXT NOT NULL, mentions TEXT NOT NULL,
    created_at BIGINT NOT NULL, edited_at BIGINT, deleted_at BIGINT, edits BIGINT NOT NULL DEFAULT 0
  );
  CREATE INDEX review_comments_thread ON review_comments(thread_id, created_at);
  CREATE INDEX review_comments_artifact ON review_comments(artifact_id);
  CREATE TABLE review_comment_revisions (
    comment_id TEXT NOT NULL, n BIGINT NOT NULL, body TEXT NOT NULL, text TEXT NOT NULL, replaced_at BIGINT NOT NULL,
    PRIMARY KEY (comment_id, n)
  );
  CREATE TABLE review_reactions (
    comment_id TEXT NOT NULL, artifact_id TEXT NOT NULL, user_id TEXT NOT NULL, user_name TEXT NOT NULL,
    reaction TEXT NOT NULL, created_at BIGINT NOT NULL,
    PRIMARY KEY (comment_id, user_id, reaction)
  );
  CREATE INDEX review_reactions_artifact ON review_reactions(artifact_id);
  CREATE TABLE reviews (
    id TEXT PRIMARY KEY, artifact_id TEXT NOT NULL, org_id TEXT NOT NULL, version BIGINT NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('approve','request_changes','comment')), summary TEXT NOT NULL,
    reviewer TEXT NOT NULL, created_at BIGINT NOT NULL
  );
  CREATE INDEX reviews_artifact ON reviews(artifact_id, created_at);
  CREATE TABLE notifications (
    id TEXT PRIMARY KEY, user_id TEXT NOT NULL, org_id TEXT NOT NULL, kind TEXT NOT NULL, artifact_id TEXT NOT NULL,
    thread_id TEXT, comment_id TEXT, actor TEXT NOT NULL, excerpt TEXT NOT NULL, verdict TEXT, version BIGINT,
    created_at BIGINT NOT NULL, read_at BIGINT
  );
  CREATE INDEX notifications_user ON notifications(user_id, org_id, created_at DESC, id DESC);
  CREATE INDEX notifications_unread ON notifications(user_id, org_id) WHERE read_at IS NULL;
  CREATE INDEX notifications_artifact ON notifications(artifact_id);
  CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at BIGINT NOT NULL, token BIGINT NOT NULL);
  `,
];

export const POSTGRES_MIGRATIONS: readonly string[] = MIGRATIONS_SOURCE.map((sql) => sql.replace(/\bTEXT\b/g, 'TEXT COLLATE "C"'));

/**
 * The SQLite schema version the PostgreSQL schema's version 1 corresponds to
 * (SQLite migrations 1–6 in one step): `loupe migrate` copies from a SQLite
 * file at this version or later.
 */
export const POSTGRES_V1_MATCHES_SQLITE_VERSION = 6;
