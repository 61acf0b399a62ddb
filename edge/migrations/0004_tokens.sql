-- The OAuth engine (ARCHITECTURE.md): single-use authorization transactions and the
-- token vault's source of truth. Every token is an AES-256-GCM envelope bound to its row.

CREATE TABLE oauth_transactions (
    state_hash    TEXT PRIMARY KEY NOT NULL,   -- SHA-256 of the state; the state itself is never stored
    connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    session_hash  TEXT NOT NULL,               -- the browser session that started it
    purpose       TEXT NOT NULL,               -- test | shared | user
    pkce_verifier TEXT,                        -- envelope
    redirect_uri  TEXT NOT NULL,
    expires_at    INTEGER NOT NULL,
    created_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX oauth_transactions_by_expiry ON oauth_transactions(expires_at);

CREATE TABLE tokens (
    id              TEXT PRIMARY KEY NOT NULL, -- <connection>:shared or <connection>:user:<user>
    connection_id   TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,             -- shared | user
    user_id         TEXT REFERENCES users(id) ON DELETE CASCADE,
    access_token    TEXT NOT NULL,             -- envelope
    refresh_token   TEXT,                      -- envelope
    token_type      TEXT NOT NULL,
    scope           TEXT,
    instance_url    TEXT,
    expires_at      INTEGER,
    status          TEXT NOT NULL DEFAULT 'valid', -- valid | needs_reauth
    last_refresh_at INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX tokens_by_connection ON tokens(connection_id);
CREATE INDEX tokens_by_expiry ON tokens(status, expires_at);
