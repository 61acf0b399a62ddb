-- Discovery auto-fill and revocation at the provider (ARCHITECTURE.md; domain/src/discovery.rs,
-- domain/src/provider_revocation.rs).

-- The provider's issuer identifier (an `iss` in the authorization response must name it), its
-- RFC 7009 revocation endpoint, and whether it always sends `iss` (RFC 9207).
ALTER TABLE connections ADD COLUMN issuer TEXT NOT NULL DEFAULT '';
ALTER TABLE connections ADD COLUMN revocation_url TEXT NOT NULL DEFAULT '';
ALTER TABLE connections ADD COLUMN iss_required INTEGER NOT NULL DEFAULT 0;

-- Dropped tokens still to be revoked at their provider. A row carries everything the request
-- needs, because the connection may be gone or point elsewhere by then: the endpoint, the
-- client's id and authentication, its secret and the token (both sealed for this row).
CREATE TABLE provider_revocations (
    id                 TEXT PRIMARY KEY NOT NULL,
    connection_id      TEXT NOT NULL,             -- no reference: the connection may be deleted
    token_id           TEXT NOT NULL,
    reason             TEXT NOT NULL,             -- domain::provider_revocation::DropReason
    revocation_url     TEXT NOT NULL,
    client_id          TEXT NOT NULL,
    client_auth_method TEXT NOT NULL,
    client_secret      TEXT,                      -- envelope
    token              TEXT NOT NULL,             -- envelope
    token_type_hint    TEXT NOT NULL,             -- refresh_token | access_token
    attempts           INTEGER NOT NULL DEFAULT 0,
    next_attempt_at    INTEGER NOT NULL,
    created_at         INTEGER NOT NULL
) STRICT;
CREATE INDEX provider_revocations_due ON provider_revocations(next_attempt_at);
