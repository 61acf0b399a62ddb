//! From stored rows to what the OAuth client needs, and from token responses back to sealed
//! rows: the only place plaintext secrets and tokens meet the envelope.

use domain::secret::Secret;
use domain::token::TokenKind;

use super::client::{ProviderConfig, TokenSet};
use crate::crypto;
use crate::envelope::{KeyRing, Place};
use crate::error::ApiResult;
use crate::store::connections::{ConnectionRow, Destination};
use crate::store::tokens::{SealedToken, TokenRow};

/// The provider settings with the client secret opened (kept in memory for one call).
pub fn provider_config(row: &ConnectionRow, ring: &KeyRing, env: &worker::Env) -> ApiResult<ProviderConfig> {
    let client_secret = match &row.client_secret {
        Some(sealed) => {
            Some(ring.open(sealed, &Place { table: "connections", row: &row.id, column: "client_secret" })?)
        }
        None => None,
    };
    Ok(ProviderConfig {
        client_id: row.client_id.clone(),
        client_secret,
        authorization_url: row.authorization_url.clone(),
        token_url: row.token_url.clone(),
        scopes: row.scopes(),
        auth_method: row.client_auth_method,
        extra_authorize_params: row
            .provider
            .provider()
            .extra_authorize_params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        outbound: super::http::Outbound {
            timeout: crate::settings::provider_timeout(env),
            policy: crate::settings::endpoint_policy(env),
        },
    })
}

/// The tokens of a stored row, opened.
pub struct OpenToken {
    pub access_token: Secret,
    pub refresh_token: Option<Secret>,
}

pub fn open_token(row: &TokenRow, ring: &KeyRing) -> ApiResult<OpenToken> {
    let access_token =
        ring.open(&row.access_token, &Place { table: "tokens", row: &row.id, column: "access_token" })?;
    let refresh_token = match &row.refresh_token {
        Some(sealed) => Some(ring.open(sealed, &Place { table: "tokens", row: &row.id, column: "refresh_token" })?),
        None => None,
    };
    Ok(OpenToken { access_token, refresh_token })
}

/// Seal a token set for its row; the caller stores the result in the same breath.
pub struct Sealed {
    pub access_token: String,
    pub refresh_token: Option<String>,
}

pub fn seal(ring: &KeyRing, token_id: &str, set: &TokenSet) -> ApiResult<Sealed> {
    let access_token = ring.seal(
        set.access_token.expose(),
        &Place { table: "tokens", row: token_id, column: "access_token" },
        crypto::random_bytes::<12>()?,
    )?;
    let refresh_token = match &set.refresh_token {
        Some(t) => Some(ring.seal(
            t.expose(),
            &Place { table: "tokens", row: token_id, column: "refresh_token" },
            crypto::random_bytes::<12>()?,
        )?),
        None => None,
    };
    Ok(Sealed { access_token, refresh_token })
}

/// Which token a set belongs to.
pub struct TokenSlot<'a> {
    pub id: &'a str,
    pub connection_id: &'a str,
    pub kind: TokenKind,
    pub user_id: Option<&'a str>,
}

/// Everything the `tokens` row needs, borrowed from a sealed set.
pub fn sealed_row<'a>(
    slot: &TokenSlot<'a>,
    set: &'a TokenSet,
    sealed: &'a Sealed,
    expires_at: Option<i64>,
    refreshed: bool,
    destination: Destination<'a>,
    now: i64,
) -> SealedToken<'a> {
    SealedToken {
        id: slot.id,
        connection_id: slot.connection_id,
        kind: slot.kind,
        user_id: slot.user_id,
        access_token: &sealed.access_token,
        refresh_token: sealed.refresh_token.as_deref(),
        token_type: &set.token_type,
        scope: set.scope.as_deref(),
        instance_url: set.instance_url.as_deref(),
        expires_at,
        status: domain::token::status_of_issued(),
        refreshed,
        now,
        destination,
    }
}
