//! One typed client for the worker's JSON API, over gloo-net, speaking `domain::api` types.
//! Same origin, so the session cookie and `Origin` header go along by themselves.

use domain::api::{
    ApiKeyView, AuditEventView, AuthorizeRequest, AuthorizeResponse, ConfigResponse, ConnectionAccessView,
    ConnectionView, CreateApiKeyRequest, CreateApiKeyResponse, CreateRoleRequest, CreateUserRequest, InvitableRole,
    ListResponse, MarkedRead, MeResponse, MyConnectionView, NotificationsResponse, ProviderView, RoleView,
    SignInRequest, SubscriptionsBody, TestResponse, UpdateRoleRequest, UpdateUserRequest, UserView,
};
use domain::connection::ConnectionInput;
use domain::consent::ConsentPurpose;
use domain::error::{ErrorBody, ErrorCode, ErrorResponse};
use domain::list_order::{ConnectionSort, SortDirection};
use domain::webhook::{DeliveryView, RedeliverRequest, WebhookInput, WebhookSecretResponse, WebhookView};
use gloo_net::http::{Method, RequestBuilder};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Why a call failed, in words a page can show.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// The worker answered with the JSON error shape.
    Api(ErrorBody),
    /// No answer, or an answer that was not what the API promises.
    Transport(String),
}

impl ApiError {
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ApiError::Api(body) => Some(body.code),
            ApiError::Transport(_) => None,
        }
    }

    /// The field the server blamed, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            ApiError::Api(body) => body.field.as_deref(),
            ApiError::Transport(_) => None,
        }
    }

    /// The stable reason the server gave with the field, if any.
    pub fn reason(&self) -> Option<&str> {
        match self {
            ApiError::Api(body) => body.reason.as_deref(),
            ApiError::Transport(_) => None,
        }
    }

    pub fn message(&self) -> String {
        match self {
            ApiError::Api(body) => body.message.clone(),
            ApiError::Transport(detail) => format!("The server could not be reached ({detail})."),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for ApiError {}

fn transport(error: impl std::fmt::Display) -> ApiError {
    ApiError::Transport(error.to_string())
}

/// The one place a request is sent, deliberately not generic: every call shares this code in the
/// wasm instead of a copy per answer type. Answers the body of a 2xx, the error shape otherwise.
async fn request(method: Method, path: &str, body: Option<String>) -> Result<String, ApiError> {
    let builder = RequestBuilder::new(path).method(method).header("accept", "application/json");
    let response = match body {
        Some(json) => builder.header("content-type", "application/json").body(json).map_err(transport)?.send().await,
        None => builder.send().await,
    }
    .map_err(transport)?;
    let status = response.status();
    let text = response.text().await.map_err(transport)?;
    if response.ok() {
        return Ok(text);
    }
    match serde_json::from_str::<ErrorResponse>(&text) {
        Ok(body) => Err(ApiError::Api(body.error)),
        Err(_) => Err(ApiError::Transport(format!("HTTP {status}"))),
    }
}

fn encode<B: Serialize>(body: &B) -> Result<Option<String>, ApiError> {
    serde_json::to_string(body).map(Some).map_err(transport)
}

fn decode<T: DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    serde_json::from_str(text).map_err(transport)
}

async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    decode(&request(Method::GET, path, None).await?)
}

async fn post<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiError> {
    decode(&request(Method::POST, path, encode(body)?).await?)
}

async fn patch<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiError> {
    decode(&request(Method::PATCH, path, encode(body)?).await?)
}

async fn put<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiError> {
    decode(&request(Method::PUT, path, encode(body)?).await?)
}

async fn delete(path: &str) -> Result<(), ApiError> {
    request(Method::DELETE, path, None).await.map(|_| ())
}

/// `?q=` for list searches.
fn with_query(path: &str, q: &str) -> String {
    if q.trim().is_empty() { path.to_string() } else { format!("{path}?q={}", js_sys_encode(q.trim())) }
}

fn js_sys_encode(value: &str) -> String {
    String::from(web_sys::js_sys::encode_uri_component(value))
}

pub async fn config() -> Result<ConfigResponse, ApiError> {
    get("/api/v1/config").await
}

/// Who is signed in; `None` when nobody is.
pub async fn me() -> Result<Option<MeResponse>, ApiError> {
    match get::<MeResponse>("/api/v1/session").await {
        Ok(me) => Ok(Some(me)),
        Err(e) if e.code() == Some(ErrorCode::Unauthenticated) => Ok(None),
        Err(e) => Err(e),
    }
}

pub async fn sign_in(email: String, password: String) -> Result<MeResponse, ApiError> {
    post("/api/v1/session", &SignInRequest { email, password: password.into() }).await
}

pub async fn sign_out() -> Result<(), ApiError> {
    delete("/api/v1/session").await
}

pub async fn users(q: &str) -> Result<ListResponse<UserView>, ApiError> {
    get(&with_query("/api/v1/users", q)).await
}

pub async fn create_user(request: &CreateUserRequest) -> Result<UserView, ApiError> {
    post("/api/v1/users", request).await
}

pub async fn update_user(id: &str, request: &UpdateUserRequest) -> Result<UserView, ApiError> {
    patch(&format!("/api/v1/users/{id}"), request).await
}

pub async fn roles(q: &str) -> Result<ListResponse<RoleView>, ApiError> {
    get(&with_query("/api/v1/roles", q)).await
}

pub async fn role(id: &str) -> Result<RoleView, ApiError> {
    get(&format!("/api/v1/roles/{id}")).await
}

pub async fn create_role(request: &CreateRoleRequest) -> Result<RoleView, ApiError> {
    post("/api/v1/roles", request).await
}

pub async fn update_role(id: &str, request: &UpdateRoleRequest) -> Result<RoleView, ApiError> {
    patch(&format!("/api/v1/roles/{id}"), request).await
}

pub async fn delete_role(id: &str) -> Result<(), ApiError> {
    delete(&format!("/api/v1/roles/{id}")).await
}

pub async fn api_keys() -> Result<ListResponse<ApiKeyView>, ApiError> {
    get("/api/v1/api-keys").await
}

/// A new key with these scopes (`tokens` is always included by the worker).
pub async fn create_api_key(name: String, scopes: Vec<String>) -> Result<CreateApiKeyResponse, ApiError> {
    post("/api/v1/api-keys", &CreateApiKeyRequest { name, scopes }).await
}

pub async fn revoke_api_key(id: &str) -> Result<(), ApiError> {
    delete(&format!("/api/v1/api-keys/{id}")).await
}

pub async fn providers() -> Result<Vec<ProviderView>, ApiError> {
    get::<ListResponse<ProviderView>>("/api/v1/providers").await.map(|l| l.items)
}

pub async fn invitable_roles() -> Result<Vec<InvitableRole>, ApiError> {
    get::<ListResponse<InvitableRole>>("/api/v1/invitable-roles").await.map(|l| l.items)
}

/// Connections filtered, sorted and paged as the list page asks.
pub async fn connections(
    q: &str,
    provider: &str,
    status: &str,
    (sort, direction): (ConnectionSort, SortDirection),
    cursor: &str,
) -> Result<ListResponse<ConnectionView>, ApiError> {
    let mut params = Vec::new();
    for (key, value) in [
        ("q", q.trim()),
        ("provider", provider),
        ("status", status),
        ("sort", sort.as_str()),
        ("dir", direction.as_str()),
        ("cursor", cursor),
    ] {
        if !value.is_empty() {
            params.push(format!("{key}={}", js_sys_encode(value)));
        }
    }
    let query = if params.is_empty() { String::new() } else { format!("?{}", params.join("&")) };
    get(&format!("/api/v1/connections{query}")).await
}

pub async fn connection(id: &str) -> Result<ConnectionView, ApiError> {
    get(&format!("/api/v1/connections/{id}")).await
}

/// Whether I may use it; if not, why and whom to ask.
pub async fn connection_access(id: &str) -> Result<ConnectionAccessView, ApiError> {
    get(&format!("/api/v1/connections/{id}/access")).await
}

pub async fn create_connection(input: &ConnectionInput) -> Result<ConnectionView, ApiError> {
    post("/api/v1/connections", input).await
}

/// A full replacement of the editable fields; an absent secret keeps the stored one.
pub async fn update_connection(id: &str, input: &ConnectionInput) -> Result<ConnectionView, ApiError> {
    patch(&format!("/api/v1/connections/{id}"), input).await
}

/// What an issuer's metadata fills (nothing is stored).
pub async fn discover(issuer: &str) -> Result<domain::discovery::Discovered, ApiError> {
    post("/api/v1/discovery", &domain::discovery::DiscoveryRequest { issuer: issuer.to_string() }).await
}

pub async fn delete_connection(id: &str) -> Result<(), ApiError> {
    delete(&format!("/api/v1/connections/{id}")).await
}

pub async fn invite_roles(id: &str, role_ids: Vec<String>) -> Result<ConnectionView, ApiError> {
    put(&format!("/api/v1/connections/{id}/roles"), &serde_json::json!({"role_ids": role_ids})).await
}

/// Start a consent; the URL goes into the popup.
pub async fn authorize(id: &str, purpose: ConsentPurpose) -> Result<AuthorizeResponse, ApiError> {
    post(&format!("/api/v1/connections/{id}/authorize"), &AuthorizeRequest { purpose }).await
}

/// Client credentials: fetch a token now and report.
pub async fn test_connection(id: &str) -> Result<TestResponse, ApiError> {
    decode(&request(Method::POST, &format!("/api/v1/connections/{id}/test"), None).await?)
}

/// One page of the connections shared with me, after `cursor` (the first when empty).
pub async fn my_connections(cursor: &str) -> Result<ListResponse<MyConnectionView>, ApiError> {
    let query = if cursor.is_empty() { String::new() } else { format!("?cursor={}", js_sys_encode(cursor)) };
    get(&format!("/api/v1/me/connections{query}")).await
}

pub async fn forget_my_token(id: &str) -> Result<(), ApiError> {
    delete(&format!("/api/v1/connections/{id}/tokens/me")).await
}

pub async fn notifications(cursor: &str) -> Result<NotificationsResponse, ApiError> {
    let query = if cursor.is_empty() { String::new() } else { format!("?cursor={}", js_sys_encode(cursor)) };
    get(&format!("/api/v1/notifications{query}")).await
}

pub async fn mark_read(id: &str) -> Result<(), ApiError> {
    request(Method::POST, &format!("/api/v1/notifications/{id}/read"), None).await.map(|_| ())
}

/// Every unread notification of mine marked read.
pub async fn mark_all_read() -> Result<MarkedRead, ApiError> {
    decode(&request(Method::POST, "/api/v1/notifications/read", None).await?)
}

pub async fn subscriptions() -> Result<SubscriptionsBody, ApiError> {
    get("/api/v1/me/subscriptions").await
}

pub async fn set_subscriptions(body: &SubscriptionsBody) -> Result<SubscriptionsBody, ApiError> {
    put("/api/v1/me/subscriptions", body).await
}

/// The audit log with filters (`actor`, `action`, `target`, `since`, `until` as given).
pub async fn audit(filters: &[(&str, String)], cursor: &str) -> Result<ListResponse<AuditEventView>, ApiError> {
    let mut params: Vec<String> = filters
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", js_sys_encode(v.trim())))
        .collect();
    if !cursor.is_empty() {
        params.push(format!("cursor={}", js_sys_encode(cursor)));
    }
    let query = if params.is_empty() { String::new() } else { format!("?{}", params.join("&")) };
    get(&format!("/api/v1/audit{query}")).await
}

pub async fn webhooks() -> Result<ListResponse<WebhookView>, ApiError> {
    get("/api/v1/webhooks?limit=100").await
}

/// A new endpoint; the answer carries its signing secret, shown once.
pub async fn create_webhook(input: &WebhookInput) -> Result<WebhookSecretResponse, ApiError> {
    post("/api/v1/webhooks", input).await
}

pub async fn update_webhook(id: &str, input: &WebhookInput) -> Result<WebhookView, ApiError> {
    patch(&format!("/api/v1/webhooks/{id}"), input).await
}

pub async fn delete_webhook(id: &str) -> Result<(), ApiError> {
    delete(&format!("/api/v1/webhooks/{id}")).await
}

/// A new secret, shown once; the old one keeps signing for a day.
pub async fn roll_webhook_secret(id: &str) -> Result<WebhookSecretResponse, ApiError> {
    decode(&request(Method::POST, &format!("/api/v1/webhooks/{id}/roll-secret"), None).await?)
}

pub async fn send_test_event(id: &str) -> Result<(), ApiError> {
    request(Method::POST, &format!("/api/v1/webhooks/{id}/test"), None).await.map(|_| ())
}

pub async fn redeliver(id: &str, delivery_id: String) -> Result<(), ApiError> {
    request(Method::POST, &format!("/api/v1/webhooks/{id}/redeliver"), encode(&RedeliverRequest { delivery_id })?)
        .await
        .map(|_| ())
}

pub async fn webhook_deliveries(id: &str) -> Result<ListResponse<DeliveryView>, ApiError> {
    get(&format!("/api/v1/webhooks/{id}/deliveries")).await
}
