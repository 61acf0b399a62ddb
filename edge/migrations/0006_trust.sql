-- Trust rules (ARCHITECTURE.md).

-- Optimistic concurrency for edits (`version`, bumped by every write of the row), and the epoch
-- of where credentials go (`destination_version`, bumped by every change of token URL,
-- authorization URL, client id, client auth method or grant type).
ALTER TABLE connections ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE connections ADD COLUMN destination_version INTEGER NOT NULL DEFAULT 0;

-- A token set remembers the token endpoint and the destination epoch it came from: the vault
-- never sends a refresh token anywhere else. Rows from before this migration take the current
-- ones only when they are not stale (a stale token may come from an earlier destination: NULL
-- makes the vault ask for a new consent instead of sending it anywhere).
ALTER TABLE tokens ADD COLUMN token_url TEXT;
ALTER TABLE tokens ADD COLUMN destination_version INTEGER;
UPDATE tokens SET token_url = (SELECT c.token_url FROM connections c WHERE c.id = tokens.connection_id),
    destination_version = 0
WHERE EXISTS (SELECT 1 FROM connections c WHERE c.id = tokens.connection_id AND c.tokens_stale = 0);

-- A consent is bound to the destination it started against.
ALTER TABLE oauth_transactions ADD COLUMN destination_version INTEGER NOT NULL DEFAULT 0;

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
