-- Trust rules (DESIGN.md §10).

-- A token set remembers the token endpoint it came from: the vault never sends a refresh token
-- to another one. Rows from before this column take the connection's current token URL.
ALTER TABLE tokens ADD COLUMN token_url TEXT;
UPDATE tokens SET token_url = (SELECT c.token_url FROM connections c WHERE c.id = tokens.connection_id);

-- Resets of Durable Objects (KeyGate, TokenVault) that did not acknowledge after a committed
-- change: retried by the cron until they do (revocation is at-least-once). Objects also forget
-- what they know about access after a bound, so a lost row cannot keep old access alive.
CREATE TABLE pending_resets (
    binding    TEXT NOT NULL,                -- KEY_GATE | TOKEN_VAULT
    name       TEXT NOT NULL,                -- the object's name (key hash, token id)
    created_at INTEGER NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (binding, name)
) STRICT, WITHOUT ROWID;

CREATE INDEX oauth_transactions_by_user ON oauth_transactions(user_id);
CREATE INDEX oauth_transactions_by_connection ON oauth_transactions(connection_id);
CREATE INDEX oauth_transactions_by_session ON oauth_transactions(session_hash);
