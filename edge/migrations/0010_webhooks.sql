-- Signed webhooks (issue 15; domain/src/webhook.rs, edge/src/courier.rs, ARCHITECTURE.md).

-- Endpoints admins register. The signing secret (`whsec_…`) is sealed; after a roll the one
-- before still signs until previous_secret_until (seconds), then it is dropped.
CREATE TABLE webhooks (
    id                    TEXT PRIMARY KEY NOT NULL,
    url                   TEXT NOT NULL,
    events                TEXT NOT NULL,               -- JSON array of event names
    enabled               INTEGER NOT NULL DEFAULT 1,
    disabled_reason       TEXT,                        -- 'failing' when the product disabled it
    secret                TEXT NOT NULL,               -- envelope
    previous_secret       TEXT,                        -- envelope
    previous_secret_until INTEGER,
    last_success_at       INTEGER,                     -- ms
    created_by            TEXT,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL
) STRICT;

-- The outbox: one row per event per subscribed endpoint, written in the same batch as the
-- change it reports; its id is the `webhook-id` of every attempt. The body is the exact text
-- that is signed and sent.
CREATE TABLE webhook_messages (
    id              TEXT PRIMARY KEY NOT NULL,          -- msg_<time-ordered hex>
    webhook_id      TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event           TEXT NOT NULL,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,        -- failed attempts in the current round
    created_at      INTEGER NOT NULL,                  -- ms
    next_attempt_at INTEGER                            -- ms; NULL unless pending
) STRICT;
CREATE INDEX webhook_messages_by_webhook ON webhook_messages(webhook_id, id DESC);
CREATE INDEX webhook_messages_due ON webhook_messages(status, next_attempt_at);

-- Every attempt: when, the receiver's status, how long it took.
CREATE TABLE webhook_attempts (
    id          TEXT PRIMARY KEY NOT NULL,
    message_id  TEXT NOT NULL REFERENCES webhook_messages(id) ON DELETE CASCADE,
    at          INTEGER NOT NULL,                       -- ms
    status      INTEGER,                                -- NULL: no answer (error says why)
    duration_ms INTEGER NOT NULL,
    success     INTEGER NOT NULL,
    error       TEXT
) STRICT;
CREATE INDEX webhook_attempts_by_message ON webhook_attempts(message_id, at DESC);
