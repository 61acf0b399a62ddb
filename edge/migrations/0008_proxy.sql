-- The token-free proxy (ARCHITECTURE.md; domain/src/proxy.rs): where a connection's API calls go.
-- NULL until a manager sets one (rows from before this migration, or a Custom connection that
-- does not use the proxy); `{instance_url}` in it is the token response's instance_url
-- (Salesforce), already stored with each token set (tokens.instance_url).
ALTER TABLE connections ADD COLUMN api_base_url TEXT;
