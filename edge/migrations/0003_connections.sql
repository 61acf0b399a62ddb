-- OAuth connections and their invited roles (ARCHITECTURE.md).
CREATE TABLE connections (
    id                 TEXT PRIMARY KEY NOT NULL,
    provider           TEXT NOT NULL,
    name               TEXT NOT NULL,
    name_key           TEXT NOT NULL UNIQUE,           -- case-insensitive uniqueness
    description        TEXT NOT NULL DEFAULT '',
    grant_type         TEXT NOT NULL,
    client_id          TEXT NOT NULL,
    client_secret      TEXT,                           -- AES-256-GCM envelope, never plaintext
    authorization_url  TEXT NOT NULL DEFAULT '',
    token_url          TEXT NOT NULL,
    scopes             TEXT NOT NULL DEFAULT '[]',     -- JSON array, normalised
    placeholders       TEXT NOT NULL DEFAULT '{}',     -- JSON object
    client_auth_method TEXT NOT NULL,
    save_credentials   INTEGER NOT NULL DEFAULT 0,
    status             TEXT NOT NULL DEFAULT 'draft',  -- draft | ready | needs_reauth
    tokens_stale       INTEGER NOT NULL DEFAULT 0,
    created_by         TEXT,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
) STRICT;
-- Filtered lists page by name within a provider or a status without scanning.
CREATE INDEX connections_by_provider ON connections(provider, name_key);
CREATE INDEX connections_by_status ON connections(status, name_key);

CREATE TABLE connection_roles (
    connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    role_id       TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    PRIMARY KEY (connection_id, role_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX connection_roles_by_role ON connection_roles(role_id);
