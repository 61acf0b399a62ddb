-- Which token set a row holds: a consent (a new grant) counts it up, and so does a refresh that
-- is saved. A refresh started from revision N writes its answer, or its failure, only while the
-- row still holds N, so a refresh in flight when someone consents again can neither overwrite
-- the new grant nor mark it as needing re-authorisation (store/tokens.rs, vault.rs).
-- Re-encryption under a new key (rotation.rs) holds the same set and leaves it as it is.
ALTER TABLE tokens ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
