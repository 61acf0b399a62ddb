-- Strangers are throttled, not obeyed (ARCHITECTURE.md; domain/src/session.rs, device.rs,
-- key_scope.rs).

-- users.failed_sign_ins and users.locked_until now count only browsers without a device cookie
-- for the account ("untrusted clients"); failed_since is when their current window began.
ALTER TABLE users ADD COLUMN failed_since INTEGER NOT NULL DEFAULT 0;

-- Failures of browsers that show a good device cookie, one counter per cookie. A row exists
-- only after such a browser failed (a stranger cannot make one: the cookie is a MAC), and goes
-- when that browser signs in.
CREATE TABLE device_failures (
    nonce        TEXT PRIMARY KEY NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    count        INTEGER NOT NULL,
    since        INTEGER NOT NULL,
    locked_until INTEGER
) STRICT;
CREATE INDEX device_failures_by_user ON device_failures(user_id);

-- What a key may do: keys made before scopes existed get the least. (Their secrets carry no
-- tag, so they are refused anyway; the column keeps the rows readable.)
ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT '["tokens"]';
