//! Wire types shared by the SPA and the worker: `<Thing>Response` for what the API returns.

use serde::{Deserialize, Serialize};

use crate::secret::Secret;

/// `GET /api/v1/health`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthResponse {
    /// Always `ok`: the worker answered.
    pub status: String,
}

/// `GET /api/v1/config`: what the SPA needs before anyone signs in.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigResponse {
    /// The product's name as the SPA shows it.
    pub product_name: String,
    /// The worker's version (its crate version, `x.y.z`).
    pub version: String,
    /// The redirect URI to register at every provider.
    pub callback_url: String,
    /// Where endpoint URLs may point here (the wizard applies the worker's rule).
    #[serde(default)]
    pub endpoint_policy: crate::endpoint::EndpointPolicy,
}

/// `GET /api/v1/_test/discovery` (test builds only): what the worker read from an issuer's
/// discovery document, proving it can reach the provider through `worker::Fetch`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscoveryProbeResponse {
    /// The document's `issuer`, equal to the one asked for.
    pub issuer: String,
    /// The document's `authorization_endpoint`; `null` when it names none.
    pub authorization_endpoint: Option<String>,
    /// The document's `token_endpoint`; `null` when it names none.
    pub token_endpoint: Option<String>,
}

/// `{items, next_cursor}`: every list endpoint.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListResponse<T> {
    /// This page, in the endpoint's order.
    pub items: Vec<T>,
    /// Opaque; send it as `?cursor=` for the next page. `null` when a page comes back shorter
    /// than `?limit=` (1 to 100, default 50), and always for lists that are not paged.
    pub next_cursor: Option<String>,
}

/// `POST /api/v1/bootstrap`: create the first admin when there is no user yet. Guarded by the
/// `BOOTSTRAP_TOKEN` worker secret; `cargo xtask dev` calls it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BootstrapRequest {
    /// The admin's email address, under the same rules as `CreateUserRequest::email`.
    pub email: String,
    /// The admin's password, under the same policy as `CreateUserRequest::password`. Write-only.
    #[serde(serialize_with = "crate::secret::reveal")]
    pub password: Secret,
}

/// `POST /api/v1/session`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignInRequest {
    /// The account's email address, in any case (compared lower-cased).
    pub email: String,
    /// The account's password. Write-only.
    #[serde(serialize_with = "crate::secret::reveal")]
    pub password: Secret,
}

/// `GET /api/v1/session`: who am I, with what rights.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeResponse {
    /// The signed-in person (a bot key's owner).
    pub user: UserView,
    /// Holds the Admin role: may manage users, roles and read the audit log.
    pub is_admin: bool,
    /// What the person's roles grant, sorted, without repeats; every one for an admin.
    pub permissions: Vec<crate::permission::Permission>,
}

/// A person as `/api/v1/users` shows them: never a password or its hash.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    /// Opaque, stable; sorts by creation.
    pub id: String,
    /// Lower-case; unique.
    pub email: String,
    /// The name people see.
    pub display_name: String,
    /// `false` once deactivated: cannot sign in, sessions ended, keys revoked.
    pub active: bool,
    /// The roles held, sorted: `role-admin`, `role-user` (everyone's) and custom role ids.
    pub role_ids: Vec<String>,
    /// Seconds since the epoch.
    pub created_at: i64,
    /// Seconds since the epoch; `null` until the first sign-in.
    pub last_sign_in_at: Option<i64>,
}

/// `POST /api/v1/users` (admins).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CreateUserRequest {
    /// Unique; one `@`, a dotted domain, no spaces, at most 254 characters; stored lower-cased.
    pub email: String,
    /// Required, at most 100 characters.
    pub display_name: String,
    /// 12 to 128 characters, not only spaces, not one character repeated, not containing the
    /// email address (or its local part). Write-only.
    #[serde(serialize_with = "crate::secret::reveal")]
    pub password: Secret,
    /// Existing role ids; `role-user` is added when missing. Default: none besides it.
    #[serde(default)]
    pub role_ids: Vec<String>,
}

/// `PATCH /api/v1/users/{id}`: absent fields stay as they are.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UpdateUserRequest {
    /// Required when present, at most 100 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// A new password under the creation policy; ends the user's sessions. Write-only.
    #[serde(default, serialize_with = "crate::secret::reveal", skip_serializing_if = "Option::is_none")]
    pub password: Option<Secret>,
    /// `false` deactivates (sessions ended, keys revoked); nobody deactivates themselves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// The complete new set of existing role ids; someone active must keep the Admin role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_ids: Option<Vec<String>>,
}

/// A role as `/api/v1/roles` shows it (admins).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleView {
    /// `role-admin`, `role-user`, or an opaque id for a custom role.
    pub id: String,
    /// Unique, case-insensitively.
    pub name: String,
    /// May be empty.
    pub description: String,
    /// `true` for Admin and User: not deletable; only their members may change.
    pub system: bool,
    /// What the role grants, sorted.
    pub permissions: Vec<crate::permission::Permission>,
    /// The ids of its members, sorted.
    pub member_ids: Vec<String>,
    /// Seconds since the epoch.
    pub created_at: i64,
}

/// `POST /api/v1/roles` (admins): a custom role.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CreateRoleRequest {
    /// Unique, case-insensitively, and not `Admin` or `User`; at most 64 characters of letters,
    /// digits, spaces and `-_.()&/`, starting with a letter or digit.
    pub name: String,
    /// Optional; at most 500 characters.
    #[serde(default)]
    pub description: String,
    /// `Permission` names; an unknown one is a field error. Default: none.
    #[serde(default)]
    pub permissions: Vec<String>,
    /// Ids of existing users. Default: none.
    #[serde(default)]
    pub member_ids: Vec<String>,
}

/// `PATCH /api/v1/roles/{id}`: absent fields stay as they are.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UpdateRoleRequest {
    /// As at creation. Not for system roles (403).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// As at creation. Not for system roles (403).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The complete new set, as at creation. Not for system roles (403).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Vec<String>>,
    /// The complete new set of members; Admin must keep someone active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_ids: Option<Vec<String>>,
}

/// A bot key as `GET /api/v1/api-keys` lists it: never the key itself.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyView {
    /// Opaque, stable.
    pub id: String,
    /// Its owner's name for it.
    pub name: String,
    /// The readable start of the key (`eoc_1a2b3c4d`), enough to recognise it in a list.
    pub prefix: String,
    /// Seconds since the epoch.
    pub created_at: i64,
    /// Seconds since the epoch, recorded at most once a minute; `null` until first used.
    pub last_used_at: Option<i64>,
    /// What the key may do (`key_scope.rs`); `tokens` always.
    pub scopes: Vec<crate::key_scope::KeyScope>,
}

/// `POST /api/v1/api-keys`: a bot key acting with the caller's rights (browser sessions only).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreateApiKeyRequest {
    /// At most 64 characters of letters, digits, spaces and `-_.()&/`, starting with a letter
    /// or digit; need not be unique.
    pub name: String,
    /// `["tokens"]` (the default when absent) or `["tokens", "manage"]`; names, so an unknown one
    /// is a field error rather than an unreadable body.
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// The only response that ever carries the key itself.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreateApiKeyResponse {
    /// The new key as lists will show it.
    pub api_key: ApiKeyView,
    /// The whole key, `eoc_<8 hex>_<64 hex>_<32 hex>`, sent as `Authorization: Bearer <key>`.
    /// Shown this once: only its hash is kept.
    #[serde(serialize_with = "crate::secret::reveal")]
    pub secret: Secret,
}

/// `GET /api/v1/providers`: one catalogue row, owned so the SPA can deserialize it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderView {
    /// The value of `ConnectionInput::provider` that picks this row.
    pub kind: crate::provider::ProviderKind,
    /// The provider's name as people know it.
    pub name: String,
    /// One line saying what it connects to.
    pub description: String,
    /// The authorize endpoint, with `<placeholders>` to fill; empty for `custom`.
    pub authorization_url: String,
    /// The token endpoint, with `<placeholders>` to fill; empty for `custom`.
    pub token_url: String,
    /// The revocation endpoint's format (RFC 7009); empty where the provider has none.
    #[serde(default)]
    pub revocation_url: String,
    /// Scopes the wizard proposes, `<placeholders>` allowed.
    pub default_scopes: Vec<String>,
    /// Whether a connection may use `authorization_code_pkce`.
    pub supports_pkce: bool,
    /// `[name, value]` pairs added to the authorize URL when missing (Google's offline access).
    pub extra_authorize_params: Vec<(String, String)>,
    /// The client authentication a connection gets when it names none.
    pub default_auth_method: crate::connection::ClientAuthMethod,
    /// The placeholders its URLs and scopes use, for the wizard to ask.
    pub placeholders: Vec<PlaceholderView>,
    /// Where the token-free proxy sends calls, with `<placeholders>` and `{instance_url}`;
    /// empty for `custom`.
    pub api_base_url: String,
}

/// A placeholder a provider's URLs or scopes use.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaceholderView {
    /// Its key in `ConnectionInput::placeholders` (`yourinstance`).
    pub key: String,
    /// As written in the URLs (`<yourinstance>`).
    pub token: String,
    /// What the wizard calls the field.
    pub label: String,
    /// A sample value.
    pub example: String,
}

impl From<&crate::provider::Provider> for ProviderView {
    fn from(p: &crate::provider::Provider) -> Self {
        ProviderView {
            kind: p.kind,
            name: p.name.into(),
            description: p.description.into(),
            authorization_url: p.authorization_url.into(),
            token_url: p.token_url.into(),
            revocation_url: p.revocation_url.into(),
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
            api_base_url: p.api_base_url.into(),
        }
    }
}

/// A role by id and name.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleName {
    /// The role's id.
    pub id: String,
    /// Its name as people read it.
    pub name: String,
}

/// A connection as the API shows it: never the secret, only whether one is set.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionView {
    /// Opaque, stable; the `{id}` of its endpoints (bots name a connection by it, not by name).
    pub id: String,
    /// The catalogue row it was made from.
    pub provider: crate::provider::ProviderKind,
    /// Unique, case-insensitively.
    pub name: String,
    /// May be empty.
    pub description: String,
    /// How it gets tokens.
    pub grant_type: crate::connection::GrantType,
    /// The client id registered at the provider.
    pub client_id: String,
    /// Whether a client secret is stored (a PKCE client may have none).
    pub client_secret_set: bool,
    /// The authorize endpoint, placeholders filled; empty for `client_credentials`.
    pub authorization_url: String,
    /// The token endpoint, placeholders filled.
    pub token_url: String,
    /// The scopes asked for, in order, without repeats.
    pub scopes: Vec<String>,
    /// The placeholder values it was made with, by key (`yourinstance`).
    pub placeholders: std::collections::BTreeMap<String, String>,
    /// How the client authenticates at the token endpoint.
    pub client_auth_method: crate::connection::ClientAuthMethod,
    /// Whether the wizard keeps a successful test's token as the shared token.
    pub save_credentials: bool,
    /// Where `…/proxy/{path}` sends calls, placeholders filled; `{instance_url}` at the start
    /// stands for the token's. `None`: no proxy until a manager sets one.
    #[serde(default)]
    pub api_base_url: Option<String>,
    /// The provider's issuer identifier; empty when none is stored.
    #[serde(default)]
    pub issuer: String,
    /// The revocation endpoint (RFC 7009) dropped tokens are sent to; empty when none.
    #[serde(default)]
    pub revocation_url: String,
    /// The provider always sends `iss` in the authorization response: answers without it are refused.
    #[serde(default)]
    pub iss_required: bool,
    /// Whether it has worked with its current settings.
    pub status: crate::connection::ConnectionStatus,
    /// Credentials changed since the stored tokens were issued.
    pub tokens_stale: bool,
    /// The shared token's state and the banner to show, decided together by
    /// `readiness::readiness` (so status, token line and banner agree).
    pub readiness: crate::readiness::Readiness,
    /// The custom roles whose members may use it, sorted.
    pub invited_role_ids: Vec<String>,
    /// The same roles with their names, by name: what everyone who may view the connection
    /// reads (only managers may list roles).
    pub invited_roles: Vec<RoleName>,
    /// The shared token's state, when one is saved (never the token).
    pub shared_token: Option<TokenStatusView>,
    /// Seconds since the epoch.
    pub created_at: i64,
    /// Seconds since the epoch of the last edit or status change.
    pub updated_at: i64,
}

/// `GET /api/v1/invitable-roles`: custom roles a connection manager may invite.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitableRole {
    /// The role's id, for `PUT /api/v1/connections/{id}/roles`.
    pub id: String,
    /// The role's name.
    pub name: String,
    /// May be empty.
    pub description: String,
    /// How many people hold it (not who).
    pub member_count: usize,
}

/// `POST /api/v1/connections/{id}/authorize`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuthorizeRequest {
    /// What the consent is for; `test` and `shared` need `connections.manage`, `user` an invite.
    pub purpose: crate::consent::ConsentPurpose,
}

/// The answer to `POST /api/v1/connections/{id}/authorize`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizeResponse {
    /// The provider's consent page, with `state` (and a PKCE challenge) for this session; open it
    /// in a popup within 10 minutes. It returns to the callback URL.
    pub authorize_url: String,
}

/// `POST /api/v1/connections/{id}/token`. `{id}` is the connection's id (shown on its page and
/// in `GET /api/v1/me/connections`), never its name: a name may be changed by a manager, an id
/// never changes, so a bot keeps working across a rename.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenRequest {
    /// Which token: the connection's shared one, or the caller's own (`user`, not for
    /// `client_credentials`).
    pub token_type: crate::token::TokenKind,
    /// The token must stay valid this many more seconds, else it is refreshed first. Default
    /// 60; clamped to 0..=3600.
    #[serde(default)]
    pub min_valid_seconds: Option<i64>,
    /// Refresh now whatever the expiry; at most one refresh per token per 30 seconds, so a
    /// repeat within that gets the fresh token.
    #[serde(default)]
    pub force_refresh: bool,
}

/// The only response that carries an access token.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenResponse {
    /// The access token to send to the provider's API.
    #[serde(serialize_with = "crate::secret::reveal")]
    pub access_token: Secret,
    /// As the provider named it, usually `Bearer`.
    pub token_type: String,
    /// Seconds since the epoch; `null` when the provider gave no expiry and none is assumed.
    pub expires_at: Option<i64>,
    /// The granted scopes, space-separated, as the provider last said; `null` when it never did.
    pub scope: Option<String>,
    /// The API base URL the provider sent with the token (Salesforce); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_url: Option<String>,
}

/// `POST /api/v1/connections/{id}/test`: a client-credentials token fetched and not kept.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestResponse {
    /// Whether the provider issued a token (the connection is then `ready`).
    pub ok: bool,
    /// For a person: the token's type, lifetime and scope, or why the provider refused.
    pub detail: String,
}

/// A token's state as people see it: never the token itself.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenStatusView {
    /// Usable, expired, or waiting for a new consent.
    pub status: crate::token::TokenState,
    /// Seconds since the epoch; `null` when the expiry is unknown.
    pub expires_at: Option<i64>,
    /// Seconds since the epoch of the last token the worker fetched itself (a refresh, or client
    /// credentials); `null` when it came from a consent and was never refreshed.
    pub last_refresh_at: Option<i64>,
    /// Why the last refresh failed, for a person; `null` since the last success.
    pub last_error: Option<String>,
    /// Seconds since the epoch of the last change (new token or failed refresh).
    pub updated_at: i64,
}

/// `GET /api/v1/me/connections`: a connection I may use, with my token's state.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyConnectionView {
    /// The connection.
    pub connection: ConnectionView,
    /// The caller's own token; `null` until they consent.
    pub my_token: Option<TokenStatusView>,
    /// The connection's shared token; `null` when none is saved.
    pub shared_token: Option<TokenStatusView>,
}

/// One notification in my feed.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationView {
    /// Opaque; sorts by creation. For `POST /api/v1/notifications/{id}/read`.
    pub id: String,
    /// What it is about.
    pub kind: crate::notification::NotificationKind,
    /// The connection it is about (perhaps deleted since); `null` when about none.
    pub connection_id: Option<String>,
    /// One line, with the connection's name as it was.
    pub title: String,
    /// What it means and what to do.
    pub body: String,
    /// Seconds since the epoch.
    pub created_at: i64,
    /// Whether I marked it read.
    pub read: bool,
}

/// `GET /api/v1/connections/{id}/access`: whether I may use this connection, and if not, why and
/// whom to ask. Contacts are named only to someone who cannot use it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionAccessView {
    /// A member of one of its invited roles: may authorize a token and let bots use it.
    pub can_use: bool,
    /// Why not, when `can_use` is false.
    pub refusal: Option<crate::access::UseRefusal>,
    /// Active people who manage connections (name and email only), by name, at most
    /// `access::MAX_CONTACTS`; empty when `can_use`.
    pub contacts: Vec<ContactView>,
}

/// Someone to ask: a name and an email, nothing else about them.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactView {
    /// The name people see.
    pub display_name: String,
    /// Where to write to them.
    pub email: String,
}

/// `POST /api/v1/notifications/read`: every unread notification of mine marked read.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkedRead {
    /// How many were unread and now are read.
    pub marked: i64,
}

/// `GET /api/v1/notifications`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationsResponse {
    /// This page, newest first.
    pub items: Vec<NotificationView>,
    /// How many of all my notifications are unread (not only this page's).
    pub unread: i64,
    /// As `ListResponse::next_cursor`.
    pub next_cursor: Option<String>,
}

/// `GET/PUT /api/v1/me/subscriptions`: the kinds I am notified of.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionsBody {
    /// The kinds I receive; every kind left out is opted out of (a PUT sends the whole set).
    pub subscribed: Vec<crate::notification::NotificationKind>,
}

/// `GET /api/v1/audit`: one event.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEventView {
    /// Opaque; sorts by time. The list is newest first and pages by it.
    pub id: String,
    /// When it happened, seconds since the epoch (the first of a tally).
    pub at: i64,
    /// Who acted: a person, a bot key, the system or an anonymous caller.
    pub actor_kind: crate::audit::ActorKind,
    /// The user's or key's id; `null` for the system and anonymous callers.
    pub actor_id: Option<String>,
    /// What was done.
    pub action: crate::audit::AuditAction,
    /// What it was done to; `null` when there is no target (a sign-in with an unknown email).
    pub target_kind: Option<crate::audit::TargetKind>,
    /// The target's id; `null` with `target_kind`.
    pub target_id: Option<String>,
    /// How it ended.
    pub outcome: crate::audit::Outcome,
    /// A JSON object of facts about the action (never a secret); tallied token issues carry
    /// `count` and `last_at`.
    pub detail: serde_json::Value,
    /// Who acted, as people know them now (a person's name; a key's name and owner); `None`
    /// when the actor is gone or was never named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_name: Option<String>,
    /// The target's current name, when it still exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_name: Option<String>,
}

/// `PUT /api/v1/connections/{id}/roles`: who may use a connection besides `connections.use`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct InviteRequest {
    /// The complete new set of custom role ids whose members may use it (system roles refused).
    pub role_ids: Vec<String>,
}

/// `POST /api/v1/admin/encryption/rotate`; the body is optional.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RotateRequest {
    /// Values per sealed column to re-encrypt in this call: default 100, at most 200.
    #[serde(default)]
    pub limit: Option<u32>,
}

/// The answer of one `POST /api/v1/admin/encryption/rotate`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotationReport {
    /// The key values are now sealed under.
    pub active_key: String,
    /// Values re-encrypted by this call, per `table.column` (every sealed column is named).
    pub rewrapped: std::collections::BTreeMap<String, u64>,
    /// Values that changed between read and write (newer, so under the active key already).
    pub changed_meanwhile: u64,
    /// Values under a held key that did not decrypt for their row (`table.column row`): damaged
    /// or moved; they stay as they are and count as remaining.
    pub failed: Vec<String>,
    /// Values under any key but the active one, after this call.
    pub remaining: u64,
    /// `remaining` per key id.
    pub remaining_by_key: std::collections::BTreeMap<String, u64>,
    /// Of `remaining`, values no key in `ENCRYPTION_KEYS` opens.
    pub unreadable: u64,
    /// Nothing is left under another key: the old keys can be removed.
    pub done: bool,
}
