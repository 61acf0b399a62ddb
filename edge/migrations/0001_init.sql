-- Schema bookkeeping for the product's own settings. Later migrations add people, roles,
-- connections, tokens, OAuth transactions, notifications and the audit log.
CREATE TABLE IF NOT EXISTS settings (
    key        TEXT PRIMARY KEY NOT NULL,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
