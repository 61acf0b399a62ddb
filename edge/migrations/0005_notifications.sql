-- Notifications and who opted out of which kind (issue 6). Everyone is subscribed to every kind
-- until they opt out.
CREATE TABLE notifications (
    id            TEXT PRIMARY KEY NOT NULL,   -- time-ordered
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL,
    connection_id TEXT,                        -- no foreign key: a deleted connection's notice stays
    title         TEXT NOT NULL,
    body          TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    read_at       INTEGER
) STRICT;
CREATE INDEX notifications_by_user ON notifications(user_id, id DESC);

CREATE TABLE notification_opt_outs (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind    TEXT NOT NULL,
    PRIMARY KEY (user_id, kind)
) STRICT, WITHOUT ROWID;

CREATE INDEX audit_events_by_action ON audit_events(action, id DESC);
CREATE INDEX audit_events_by_target ON audit_events(target_id, id DESC);
CREATE INDEX audit_events_by_actor ON audit_events(actor_id, id DESC);
