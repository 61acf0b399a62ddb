-- Which token vaults remember a bot key's access (the one-hop token API, vault.rs). A vault adds
-- its row in the same D1 batch that then reads the key and its invites, so a write that changes
-- someone's access (and then reads this table for their keys) finds every vault that may hold
-- the old answer and resets it (revocation.rs); a vault that adds its row later reads the new
-- state. Rows of keys revoked for good are deleted once their vaults were reset.
CREATE TABLE key_vaults (
    key_hash TEXT NOT NULL,   -- SHA-256 of the whole key, as api_keys.secret_hash
    vault    TEXT NOT NULL,   -- the vault's name: a token id (`<connection>:shared`)
    PRIMARY KEY (key_hash, vault)
) STRICT, WITHOUT ROWID;
