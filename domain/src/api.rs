//! Wire types shared by the SPA and the worker: `<Thing>Response` for what the API returns.

use serde::{Deserialize, Serialize};

use crate::secret::Secret;

/// `GET /api/v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthResponse {
    pub status: String,
}

/// `GET /api/v1/config`: what the SPA needs before anyone signs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigResponse {
    pub product_name: String,
    pub version: String,
    /// The redirect URI to register at every provider.
    pub callback_url: String,
    /// Where endpoint URLs may point here (the wizard applies the worker's rule).
    #[serde(default)]
    pub endpoint_policy: crate::endpoint::EndpointPolicy,
}

/// `GET /api/v1/_test/discovery` (test builds only): what the worker read from an issuer's
/// discovery document, proving it can reach the provider through `worker::Fetch`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscoveryProbeResponse {
    pub issuer: String,
    pub authorization_endpoint: Option<String>,
    pub token_endpoint: Option<String>,
}

/// `{items, next_cursor}`: every list endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListResponse<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// `POST /api/v1/bootstrap`: create the first admin when there is no user yet. Guarded by the
/// `BOOTSTRAP_TOKEN` worker secret; `cargo xtask dev` calls it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BootstrapRequest {
    pub email: String,
    #[serde(serialize_with = "crate::secret::reveal")]
    pub password: Secret,
}

/// `POST /api/v1/session`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignInRequest {
    pub email: String,
    #[serde(serialize_with = "crate::secret::reveal")]
    pub password: Secret,
}

/// `GET /api/v1/session`: who am I, with what rights.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeResponse {
    pub user: UserView,
    pub is_admin: bool,
    pub permissions: Vec<crate::permission::Permission>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub active: bool,
    pub role_ids: Vec<String>,
    pub created_at: i64,
    pub last_sign_in_at: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CreateUserRequest {
    pub email: String,
    pub display_name: String,
    #[serde(serialize_with = "crate::secret::reveal")]
    pub password: Secret,
    #[serde(default)]
    pub role_ids: Vec<String>,
}

/// `PATCH /api/v1/users/{id}`: absent fields stay as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UpdateUserRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, serialize_with = "crate::secret::reveal", skip_serializing_if = "Option::is_none")]
    pub password: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_ids: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleView {
    pub id: String,
    pub name: String,
    pub description: String,
    pub system: bool,
    pub permissions: Vec<crate::permission::Permission>,
    pub member_ids: Vec<String>,
    pub created_at: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CreateRoleRequest {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub permissions: Vec<String>,
    #[serde(default)]
    pub member_ids: Vec<String>,
}

/// `PATCH /api/v1/roles/{id}`: absent fields stay as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UpdateRoleRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_ids: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyView {
    pub id: String,
    pub name: String,
    /// The readable start of the key (`eoc_1a2b3c4d`), enough to recognise it in a list.
    pub prefix: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    /// What the key may do (`key_scope.rs`); `tokens` always.
    pub scopes: Vec<crate::key_scope::KeyScope>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreateApiKeyRequest {
    pub name: String,
    /// `["tokens"]` (the default when absent) or `["tokens", "manage"]`; names, so an unknown one
    /// is a field error rather than an unreadable body.
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// The only response that ever carries the key itself.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreateApiKeyResponse {
    pub api_key: ApiKeyView,
    #[serde(serialize_with = "crate::secret::reveal")]
    pub secret: Secret,
}

/// `GET /api/v1/providers`: one catalogue row, owned so the SPA can deserialize it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderView {
    pub kind: crate::provider::ProviderKind,
    pub name: String,
    pub authorization_url: String,
    pub token_url: String,
    pub default_scopes: Vec<String>,
    pub supports_pkce: bool,
    pub extra_authorize_params: Vec<(String, String)>,
    pub default_auth_method: crate::connection::ClientAuthMethod,
    pub placeholders: Vec<PlaceholderView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaceholderView {
    pub key: String,
    pub token: String,
    pub label: String,
    pub example: String,
}

impl From<&crate::provider::Provider> for ProviderView {
    fn from(p: &crate::provider::Provider) -> Self {
        ProviderView {
            kind: p.kind,
            name: p.name.into(),
            authorization_url: p.authorization_url.into(),
            token_url: p.token_url.into(),
            default_scopes: p.default_scopes.iter().map(|s| s.to_string()).collect(),
            supports_pkce: p.supports_pkce,
            extra_authorize_params: p
                .extra_authorize_params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            default_auth_method: p.default_auth_method,
            placeholders: p
                .placeholders()
                .into_iter()
                .map(|h| PlaceholderView {
                    key: h.key.into(),
                    token: h.token.into(),
                    label: h.label.into(),
                    example: h.example.into(),
                })
                .collect(),
        }
    }
}

/// A connection as the API shows it: never the secret, only whether one is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionView {
    pub id: String,
    pub provider: crate::provider::ProviderKind,
    pub name: String,
    pub description: String,
    pub grant_type: crate::connection::GrantType,
    pub client_id: String,
    pub client_secret_set: bool,
    pub authorization_url: String,
    pub token_url: String,
    pub scopes: Vec<String>,
    pub placeholders: std::collections::BTreeMap<String, String>,
    pub client_auth_method: crate::connection::ClientAuthMethod,
    pub save_credentials: bool,
    pub status: crate::connection::ConnectionStatus,
    /// Credentials changed since the stored tokens were issued.
    pub tokens_stale: bool,
    pub invited_role_ids: Vec<String>,
    /// The shared token's state, when one is saved (never the token).
    pub shared_token: Option<TokenStatusView>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// `GET /api/v1/invitable-roles`: custom roles a connection manager may invite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitableRole {
    pub id: String,
    pub name: String,
    pub description: String,
    pub member_count: usize,
}

/// `POST /api/v1/connections/{id}/authorize`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuthorizeRequest {
    pub purpose: crate::consent::ConsentPurpose,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizeResponse {
    pub authorize_url: String,
}

/// `POST /api/v1/connections/{id}/token`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenRequest {
    pub token_type: crate::token::TokenKind,
    #[serde(default)]
    pub min_valid_seconds: Option<i64>,
    #[serde(default)]
    pub force_refresh: bool,
}

/// The only response that carries an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenResponse {
    #[serde(serialize_with = "crate::secret::reveal")]
    pub access_token: Secret,
    pub token_type: String,
    /// Seconds since the epoch; `null` when the provider gave no expiry and none is assumed.
    pub expires_at: Option<i64>,
    pub scope: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_url: Option<String>,
}

/// `POST /api/v1/connections/{id}/test` (client credentials) and callback outcomes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestResponse {
    pub ok: bool,
    pub detail: String,
}

/// A token's state as people see it: never the token itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenStatusView {
    pub status: crate::token::TokenState,
    pub expires_at: Option<i64>,
    pub last_refresh_at: Option<i64>,
    pub last_error: Option<String>,
    pub updated_at: i64,
}

/// `GET /api/v1/me/connections`: a connection I may use, with my token's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyConnectionView {
    pub connection: ConnectionView,
    pub my_token: Option<TokenStatusView>,
    pub shared_token: Option<TokenStatusView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationView {
    pub id: String,
    pub kind: crate::notification::NotificationKind,
    pub connection_id: Option<String>,
    pub title: String,
    pub body: String,
    pub created_at: i64,
    pub read: bool,
}

/// `GET /api/v1/notifications`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationsResponse {
    pub items: Vec<NotificationView>,
    pub unread: i64,
    pub next_cursor: Option<String>,
}

/// `GET/PUT /api/v1/me/subscriptions`: the kinds I am notified of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionsBody {
    pub subscribed: Vec<crate::notification::NotificationKind>,
}

/// `GET /api/v1/audit`: one event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEventView {
    pub id: String,
    pub at: i64,
    pub actor_kind: crate::audit::ActorKind,
    pub actor_id: Option<String>,
    pub action: crate::audit::AuditAction,
    pub target_kind: Option<String>,
    pub target_id: Option<String>,
    pub outcome: crate::audit::Outcome,
    pub detail: serde_json::Value,
    /// Who acted, as people know them now (a person's name; a key's name and owner); `None`
    /// when the actor is gone or was never named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_name: Option<String>,
    /// The target's current name, when it still exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_name: Option<String>,
}
