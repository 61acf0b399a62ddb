-- People, roles, sessions, bot keys and the audit log (ARCHITECTURE.md).
-- Times are seconds since the epoch. Ids are opaque text.

CREATE TABLE users (
    id              TEXT PRIMARY KEY NOT NULL,
    email           TEXT NOT NULL UNIQUE,          -- normalised: trimmed, lower-case
    display_name    TEXT NOT NULL,
    password_hash   TEXT NOT NULL,                 -- argon2id PHC string
    active          INTEGER NOT NULL DEFAULT 1,
    failed_sign_ins INTEGER NOT NULL DEFAULT 0,
    locked_until    INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    last_sign_in_at INTEGER
) STRICT;

CREATE TABLE roles (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL UNIQUE,              -- case-insensitive uniqueness
    description TEXT NOT NULL DEFAULT '',
    system      INTEGER NOT NULL DEFAULT 0,
    permissions TEXT NOT NULL DEFAULT '[]',        -- JSON array of permission names
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;

INSERT INTO roles (id, name, name_key, description, system, permissions, created_at, updated_at) VALUES
    ('role-admin', 'Admin', 'admin', 'Everything, including people, roles and every connection.', 1,
     '["connections.view","connections.manage"]', 0, 0),
    ('role-user', 'User', 'user', 'Every signed-in person: may see connections.', 1,
     '["connections.view"]', 0, 0);

CREATE TABLE role_members (
    role_id TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (role_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX role_members_by_user ON role_members(user_id);

-- The cookie carries a random id; only its SHA-256 is stored.
CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_by_user ON sessions(user_id);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    secret_hash  TEXT NOT NULL UNIQUE,             -- SHA-256 of the whole key
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
) STRICT;
CREATE INDEX api_keys_by_user ON api_keys(user_id);

CREATE TABLE audit_events (
    id          TEXT PRIMARY KEY NOT NULL,         -- time-ordered
    at          INTEGER NOT NULL,
    actor_kind  TEXT NOT NULL,                     -- user | api_key | system | anonymous
    actor_id    TEXT,
    action      TEXT NOT NULL,                     -- e.g. session.sign_in, user.create
    target_kind TEXT,
    target_id   TEXT,
    outcome     TEXT NOT NULL,                     -- success | failure
    detail      TEXT NOT NULL DEFAULT '{}'         -- JSON; never a secret
) STRICT;
CREATE INDEX audit_events_by_time ON audit_events(at DESC, id DESC);
