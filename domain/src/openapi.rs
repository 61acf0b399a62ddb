//! The OpenAPI 3.1 document of the API, generated from the route table (`api_routes.rs`) and the
//! wire types (their `utoipa::ToSchema` derives, with the feature `openapi`). Native builds only:
//! `cargo xtask openapi` writes it to `edge/openapi.json`, which the worker serves, and a test
//! fails when that file differs from what this module generates.
//!
//! Every operation gets its parameters, its request body, its success answer and every error
//! status it can answer with, each in the shared error shape (`ErrorResponse`) and naming the
//! codes it can carry; the security requirements say which of the session cookie and the bot key
//! (with which scope) it accepts.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;
use utoipa::{PartialSchema, ToSchema};

use crate::api::*;
use crate::api_routes::{Access, Method, Operation, Route};
use crate::error::{ErrorCode, ErrorResponse};
use crate::health::DeepHealth;
use crate::webhook::{DeliveryView, RedeliverRequest, WebhookInput, WebhookSecretResponse, WebhookView};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "__Host-session";

/// What an operation takes and answers, besides what the route table says.
struct Wire {
    /// The JSON body, and whether it is required.
    body: Option<(Value, bool)>,
    /// The query parameters: name, schema, description.
    query: Vec<(&'static str, Value, &'static str)>,
    /// The success status, its schema (`None`: no body) and content type.
    success: (u16, Option<Value>, &'static str),
    /// Error codes of this operation besides the ones every route of its kind has.
    errors: &'static [ErrorCode],
    /// Other answers that are not errors (`/health?deep=1`'s 503).
    also: Vec<(u16, Value, &'static str)>,
}

/// Collects the named schemas, and the error answers, while operations reference them.
struct Schemas(Vec<(String, RefOr<Schema>)>, BTreeMap<String, Value>);

impl Schemas {
    /// A `$ref` to `T`, its schema and those it references collected.
    fn of<T: ToSchema>(&mut self) -> Value {
        self.0.push((T::name().into_owned(), T::schema()));
        T::schemas(&mut self.0);
        json!({ "$ref": format!("#/components/schemas/{}", T::name()) })
    }

    /// `T`'s schema written in place (generic wrappers such as `ListResponse<T>`), with what it
    /// references collected.
    fn inline<T: PartialSchema + ToSchema>(&mut self) -> Value {
        T::schemas(&mut self.0);
        serde_json::to_value(T::schema()).unwrap_or(Value::Null)
    }

    /// `ListResponse<T>`, written in place, with `T` collected.
    fn list<T: ToSchema>(&mut self) -> Value {
        self.of::<T>();
        self.inline::<ListResponse<T>>()
    }

    /// A `$ref` to the error answer carrying one of `codes` (all of one status): the shared
    /// error shape, its `code` narrowed to these. Named by its codes, so routes share them.
    fn error(&mut self, codes: &[ErrorCode]) -> Value {
        let names: Vec<&str> = codes.iter().map(|c| c.as_str()).collect();
        let name = names.join(".");
        let shape = self.of::<ErrorResponse>();
        let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
        let mut answer = json!({
            "description": format!("The shared error shape; `error.code` is {}.", quoted.join(" or ")),
            "content": { "application/json": { "schema": { "allOf": [
                shape,
                { "type": "object", "properties": { "error": { "type": "object", "properties": { "code": { "enum": names } } } } },
            ] } } },
        });
        if codes.contains(&ErrorCode::TooManyAttempts) {
            answer["headers"] =
                json!({ "Retry-After": { "description": "Seconds to wait.", "schema": { "type": "integer" } } });
        }
        self.1.insert(name.clone(), answer);
        json!({ "$ref": format!("#/components/responses/{name}") })
    }
}

const PAGE: [(&str, &str); 2] = [
    ("cursor", "The `next_cursor` of the previous page; absent for the first page."),
    ("limit", "Page size: a number, clamped to 1..=100; 50 when absent or not a number."),
];

fn string() -> Value {
    json!({ "type": "string" })
}

/// `{"queued": true}`: a webhook delivery is on its way.
fn queued() -> Value {
    json!({ "type": "object", "required": ["queued"], "properties": { "queued": { "type": "boolean" } } })
}

fn paged(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, Value, &'static str)> {
    let mut query: Vec<(&'static str, Value, &'static str)> = extra.iter().map(|(n, d)| (*n, string(), *d)).collect();
    query.extend(PAGE.iter().map(|(n, d)| (*n, string(), *d)));
    query
}

const SEARCH: (&str, &str) = ("q", "Only items whose name or email contains this text (any case).");

/// The wire types of every operation (exhaustive: a new operation does not compile until it is
/// described here).
fn wire(op: Operation, s: &mut Schemas) -> Wire {
    use ErrorCode::*;
    let json = "application/json";
    let ok = |schema: Value| (200, Some(schema), json);
    let created = |schema: Value| (201, Some(schema), json);
    let empty = (204, None, json);
    let plain = |body, success| Wire { body, query: Vec::new(), success, errors: &[], also: Vec::new() };
    match op {
        Operation::GetHealth => Wire {
            body: None,
            query: vec![("deep", string(), "`1`: also read D1 and reach a Durable Object; 503 when one fails.")],
            success: ok(json!({ "oneOf": [s.of::<HealthResponse>(), s.of::<DeepHealth>()] })),
            errors: &[],
            also: vec![(503, s.of::<DeepHealth>(), "A dependency failed (`?deep=1`): which, in `checks`.")],
        },
        Operation::GetConfig => plain(None, ok(s.of::<ConfigResponse>())),
        Operation::GetOpenApi => plain(None, ok(json!({ "type": "object" }))),
        Operation::TestDiscovery => plain(None, ok(s.of::<DiscoveryProbeResponse>())),
        Operation::TestFaults => plain(Some((json!({ "type": "object" }), true)), ok(json!({ "type": "object" }))),
        Operation::Bootstrap => Wire {
            errors: &[Conflict, NotFound],
            ..plain(Some((s.of::<BootstrapRequest>(), true)), created(s.of::<UserView>()))
        },
        Operation::SignIn => Wire {
            errors: &[Unauthenticated, TooManyAttempts],
            ..plain(Some((s.of::<SignInRequest>(), true)), ok(s.of::<MeResponse>()))
        },
        Operation::GetSession => plain(None, ok(s.of::<MeResponse>())),
        Operation::SignOut => plain(None, empty),
        Operation::ListUsers => Wire { query: paged(&[SEARCH]), ..plain(None, ok(s.list::<UserView>())) },
        Operation::CreateUser => Wire {
            errors: &[Conflict],
            ..plain(Some((s.of::<CreateUserRequest>(), true)), created(s.of::<UserView>()))
        },
        Operation::GetUser => plain(None, ok(s.of::<UserView>())),
        Operation::UpdateUser => {
            Wire { errors: &[Conflict], ..plain(Some((s.of::<UpdateUserRequest>(), true)), ok(s.of::<UserView>())) }
        }
        Operation::DeleteUser => Wire { errors: &[Conflict], ..plain(None, empty) },
        Operation::ListRoles => Wire { query: paged(&[SEARCH]), ..plain(None, ok(s.list::<RoleView>())) },
        Operation::CreateRole => Wire {
            errors: &[NameTaken],
            ..plain(Some((s.of::<CreateRoleRequest>(), true)), created(s.of::<RoleView>()))
        },
        Operation::GetRole => plain(None, ok(s.of::<RoleView>())),
        Operation::UpdateRole => Wire {
            errors: &[NameTaken, Conflict],
            ..plain(Some((s.of::<UpdateRoleRequest>(), true)), ok(s.of::<RoleView>()))
        },
        Operation::DeleteRole => Wire { errors: &[Conflict], ..plain(None, empty) },
        Operation::ListApiKeys => plain(None, ok(s.list::<ApiKeyView>())),
        Operation::CreateApiKey => Wire {
            errors: &[Conflict],
            ..plain(Some((s.of::<CreateApiKeyRequest>(), true)), created(s.of::<CreateApiKeyResponse>()))
        },
        Operation::DeleteApiKey => plain(None, empty),
        Operation::ListProviders => plain(None, ok(s.list::<ProviderView>())),
        Operation::Discover => Wire {
            errors: &[ProviderError, ProviderUnavailable],
            ..plain(
                Some((s.of::<crate::discovery::DiscoveryRequest>(), true)),
                ok(s.of::<crate::discovery::Discovered>()),
            )
        },
        Operation::ListInvitableRoles => Wire {
            query: vec![("q", string(), "Only roles whose name contains this text (any case).")],
            ..plain(None, ok(s.list::<InvitableRole>()))
        },
        Operation::ListConnections => Wire {
            query: paged(&[
                SEARCH,
                ("provider", "Only connections of this provider kind."),
                ("status", "Only connections in this status."),
                ("sort", "`name` (the default), `provider`, `status` (needing attention first) or `updated`."),
                ("dir", "`asc` (the default) or `desc`; the cursor of a page holds its order."),
            ]),
            ..plain(None, ok(s.list::<ConnectionView>()))
        },
        Operation::CreateConnection => Wire {
            errors: &[NameTaken],
            ..plain(Some((s.of::<crate::connection::ConnectionInput>(), true)), created(s.of::<ConnectionView>()))
        },
        Operation::GetConnection => plain(None, ok(s.of::<ConnectionView>())),
        Operation::GetConnectionAccess => plain(None, ok(s.of::<ConnectionAccessView>())),
        Operation::UpdateConnection => {
            s.of::<crate::connection::ConnectionInput>();
            Wire {
                errors: &[NameTaken, Conflict],
                ..plain(Some((connection_patch(s), true)), ok(s.of::<ConnectionView>()))
            }
        }
        Operation::DeleteConnection => plain(None, empty),
        Operation::SetConnectionRoles => plain(Some((s.of::<InviteRequest>(), true)), ok(s.of::<ConnectionView>())),
        Operation::AuthorizeConnection => Wire {
            errors: &[Conflict, ProviderError, ProviderUnavailable],
            ..plain(Some((s.of::<AuthorizeRequest>(), true)), ok(s.of::<AuthorizeResponse>()))
        },
        Operation::TestConnection => Wire {
            // A consent grant is tested through `…/authorize` instead (422 on `grant_type`).
            errors: &[Conflict, ProviderError, ProviderUnavailable, ValidationFailed],
            ..plain(None, ok(s.of::<TestResponse>()))
        },
        Operation::IssueToken => Wire {
            errors: &[NoToken, ReauthRequired, Conflict, ProviderError, ProviderUnavailable],
            ..plain(Some((s.of::<TokenRequest>(), true)), ok(s.of::<TokenResponse>()))
        },
        Operation::ForgetMyToken => Wire { errors: &[NoToken], ..plain(None, empty) },
        Operation::ListMyConnections => {
            Wire { query: paged(&[SEARCH]), ..plain(None, ok(s.list::<MyConnectionView>())) }
        }
        Operation::OAuthCallback => Wire {
            query: vec![
                ("state", string(), "The `state` the consent started with."),
                ("code", string(), "The authorization code."),
                ("iss", string(), "The issuer (RFC 9207), checked when the provider sends it."),
                ("error", string(), "The provider's refusal."),
                ("error_description", string(), "The provider's words about it."),
            ],
            ..plain(None, (200, Some(string()), "text/html"))
        },
        Operation::ListNotifications => Wire { query: paged(&[]), ..plain(None, ok(s.of::<NotificationsResponse>())) },
        Operation::MarkNotificationRead => plain(None, empty),
        Operation::MarkAllNotificationsRead => plain(None, ok(s.of::<MarkedRead>())),
        Operation::GetSubscriptions => plain(None, ok(s.of::<SubscriptionsBody>())),
        Operation::SetSubscriptions => {
            plain(Some((s.of::<SubscriptionsBody>(), true)), ok(s.of::<SubscriptionsBody>()))
        }
        Operation::ListAudit => Wire {
            query: paged(&[
                ("actor", "Only events by this user or key id."),
                ("action", "An action (`connection.create`) or a group ending in a dot (`connection.`)."),
                ("target", "Only events about this target id."),
            ]),
            ..plain(None, ok(s.list::<AuditEventView>()))
        },
        Operation::RotateEncryption => plain(Some((s.of::<RotateRequest>(), false)), ok(s.of::<RotationReport>())),
        Operation::ListWebhooks => Wire { query: paged(&[]), ..plain(None, ok(s.list::<WebhookView>())) },
        Operation::CreateWebhook => {
            plain(Some((s.of::<WebhookInput>(), true)), created(s.of::<WebhookSecretResponse>()))
        }
        Operation::GetWebhook => plain(None, ok(s.of::<WebhookView>())),
        Operation::UpdateWebhook => plain(Some((s.of::<WebhookInput>(), true)), ok(s.of::<WebhookView>())),
        Operation::DeleteWebhook => plain(None, empty),
        Operation::RollWebhookSecret => plain(None, ok(s.of::<WebhookSecretResponse>())),
        Operation::TestWebhook => plain(None, (202, Some(queued()), json)),
        Operation::RedeliverWebhook => plain(Some((s.of::<RedeliverRequest>(), true)), (202, Some(queued()), json)),
        Operation::ListWebhookDeliveries => Wire { query: paged(&[]), ..plain(None, ok(s.list::<DeliveryView>())) },
        Operation::ProxyGet
        | Operation::ProxyPost
        | Operation::ProxyPut
        | Operation::ProxyPatch
        | Operation::ProxyDelete => Wire {
            // Bodies and answers are the provider's; `operation` adds them for every proxy method.
            errors: &[NoToken, ReauthRequired, ProviderUnavailable, TargetRefused, NoApiBaseUrl],
            ..plain(None, (200, None, "*/*"))
        },
    }
}

/// `PATCH /connections/{id}`: any subset of `ConnectionInput`'s fields.
fn connection_patch(s: &mut Schemas) -> Value {
    let mut schema = s.inline::<crate::connection::ConnectionInput>();
    if let Some(object) = schema.as_object_mut() {
        object.remove("required");
        object.insert("description".into(), "Only the fields to change, laid over the stored ones.".into());
    }
    schema
}

/// The error codes a route can answer with, by status: what every route of its kind has, and
/// its own (`Wire::errors`).
fn errors_of(route: &Route, wire: &Wire) -> BTreeMap<u16, Vec<ErrorCode>> {
    use ErrorCode::*;
    // Every route: a declared body over the cap, a bot key we never issued (and its throttle),
    // our own fault.
    let mut codes = vec![PayloadTooLarge, Unauthenticated, TooManyAttempts, Internal];
    if wire.body.is_some() {
        codes.extend([InvalidBody, UnsupportedMediaType, ValidationFailed]);
    }
    if !route.parameters().is_empty() {
        codes.push(NotFound);
    }
    if !matches!(route.access, Access::Public) || route.method != Method::Get {
        // Missing rights or scope; a write without our Origin.
        codes.push(Forbidden);
    }
    if !wire.query.is_empty() && route.path != crate::CALLBACK_PATH {
        codes.push(ValidationFailed);
    }
    codes.extend(wire.errors);
    let mut by_status: BTreeMap<u16, Vec<ErrorCode>> = BTreeMap::new();
    for code in codes {
        let list = by_status.entry(code.status()).or_default();
        if !list.contains(&code) {
            list.push(code);
        }
    }
    by_status
}

fn security(access: Access) -> Value {
    use crate::key_scope::KeyScope;
    match access {
        Access::Public => json!([]),
        Access::BootstrapToken => json!([{ "bootstrapToken": [] }]),
        Access::Session => json!([{ "session": [] }]),
        Access::SessionOrKey(scope) => {
            let scopes: Vec<&str> = match scope {
                KeyScope::Tokens => vec![KeyScope::Tokens.as_str()],
                KeyScope::Manage => vec![KeyScope::Manage.as_str()],
            };
            json!([{ "session": [] }, { "botKey": scopes }])
        }
    }
}

fn operation(op: Operation, s: &mut Schemas) -> Value {
    let route = op.route();
    let wire = wire(op, s);
    let mut parameters: Vec<Value> = route
        .parameters()
        .into_iter()
        .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": string(), "description": "An opaque id." }))
        .collect();
    parameters.extend(
        wire.query
            .iter()
            .map(|(name, schema, description)| json!({ "name": name, "in": "query", "required": false, "schema": schema, "description": description })),
    );
    if route.access == Access::BootstrapToken {
        parameters.push(json!({ "name": "X-Bootstrap-Token", "in": "header", "required": true, "schema": string(), "description": "The deployment's `BOOTSTRAP_TOKEN`." }));
    }
    let mut responses = serde_json::Map::new();
    let (status, schema, content_type) = &wire.success;
    let mut success = json!({ "description": "Done." });
    if let Some(schema) = schema {
        success["content"] = json!({ *content_type: { "schema": schema } });
    }
    responses.insert(status.to_string(), success);
    for (status, schema, description) in &wire.also {
        responses.insert(
            status.to_string(),
            json!({ "description": description, "content": { "application/json": { "schema": schema } } }),
        );
    }
    for (status, codes) in errors_of(&route, &wire) {
        let answer = s.error(&codes);
        responses.entry(status.to_string()).or_insert(answer);
    }
    let tag = route.path.trim_start_matches("/api/v1/").split('/').next().unwrap_or("api");
    let mut operation = json!({
        "operationId": op.as_str(),
        "summary": route.summary,
        "tags": [tag],
        "security": security(route.access),
        "parameters": parameters,
        "responses": responses,
    });
    if let Some((schema, required)) = wire.body {
        operation["requestBody"] =
            json!({ "required": required, "content": { "application/json": { "schema": schema } } });
    }
    if op.streams_bodies() {
        proxied(&mut operation);
    }
    operation
}

/// What the token-free proxy adds to an operation: the token type header, any body, and the
/// provider's answers passed through unchanged (the product's own failures carry
/// `X-Proxy-Error`).
fn proxied(operation: &mut Value) {
    if let Some(parameters) = operation["parameters"].as_array_mut() {
        for parameter in parameters.iter_mut().filter(|p| p["name"] == "rest") {
            parameter["description"] = json!(
                "The provider API's path under the connection's API base URL, slashes included; the query string is passed on too."
            );
        }
        parameters.push(json!({ "name": "X-Token-Type", "in": "header", "required": false, "schema": { "enum": ["shared", "user"] }, "description": "Whose token to add: the connection's shared token (the default) or the caller's own." }));
    }
    operation["requestBody"] = json!({ "required": false, "content": { "*/*": { "schema": {} } }, "description": "Passed to the provider as sent, streamed." });
    operation["responses"]["default"] = json!({
        "description": "The provider's answer, status, headers and body unchanged (`Set-Cookie` dropped; a redirect is not followed). When the provider answers 401 to a request that could not be replayed, `X-Proxy-Token-Refreshed: true` says a refreshed token is ready.",
        "content": { "*/*": { "schema": {} } },
    });
    operation["responses"]["200"] =
        json!({ "description": "The provider's answer (see `default`).", "content": { "*/*": { "schema": {} } } });
}

/// Where the id of the item an answer names is, as a JSON pointer into its body: `/id`, or
/// `/<field>/id` when the answer wraps the item (`{"api_key": {"id": …}, "secret": …}`).
fn id_pointer(schema: &Value, components: &BTreeMap<String, Value>) -> Option<String> {
    let resolve = |schema: &Value| -> Value {
        schema["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
            .and_then(|name| components.get(name))
            .unwrap_or(schema)
            .clone()
    };
    let schema = resolve(schema);
    let properties = schema["properties"].as_object()?;
    if properties.contains_key("id") {
        return Some("/id".into());
    }
    properties
        .iter()
        .find(|(_, field)| resolve(field)["properties"]["id"].is_object())
        .map(|(name, _)| format!("/{name}/id"))
}

/// OpenAPI `links`, from the route table: where an answer names an item, the operations on that
/// item, with the id to call them with. A create (`POST` to a collection) leads to every
/// operation on the item it made (`$response.body#/id`, or where its answer wraps the item); a
/// change or removal of an item leads to the reads of that item (`$request.path.id`: read back
/// what was changed, and find a deleted item gone); the proxy, whose answers are the provider's,
/// is neither. Schemathesis's stateful phase follows them;
/// a client generator shows them.
fn add_links(paths: &mut BTreeMap<&str, serde_json::Map<String, Value>>, components: &BTreeMap<String, Value>) {
    for op in Operation::documented() {
        let route = op.route();
        let method = route.method.as_str().to_ascii_lowercase();
        let Some(responses) = paths.get(route.path).and_then(|item| item.get(&method)).map(|o| &o["responses"]) else {
            continue;
        };
        let Some((status, success)) = responses.as_object().and_then(|r| r.iter().find(|(s, _)| s.starts_with('2')))
        else {
            continue;
        };
        let status = status.clone();
        let (id, targets): (String, Vec<Operation>) = if route.creates() {
            let item = format!("{}/{{id}}", route.path);
            let Some(pointer) = id_pointer(&success["content"]["application/json"]["schema"], components) else {
                continue;
            };
            let targets = Operation::documented().filter(|t| t.route().item() == Some(item.as_str())).collect();
            (format!("$response.body#{pointer}"), targets)
        } else if let (Some(item), false) = (route.item(), route.method == Method::Get || op.streams_bodies()) {
            // The proxy's answers are the provider's, not the item's: neither a change nor a read.
            let reads = |t: &Operation| t.route().method == Method::Get && !t.streams_bodies();
            let targets =
                Operation::documented().filter(|t| *t != op && t.route().item() == Some(item) && reads(t)).collect();
            ("$request.path.id".into(), targets)
        } else {
            continue;
        };
        let links: serde_json::Map<String, Value> = targets
            .into_iter()
            .map(|t| (t.as_str().to_owned(), json!({ "operationId": t.as_str(), "parameters": { "path.id": id } })))
            .collect();
        if links.is_empty() {
            continue;
        }
        if let Some(answer) = paths
            .get_mut(route.path)
            .and_then(|item| item.get_mut(&method))
            .and_then(|o| o["responses"].get_mut(&status))
        {
            answer["links"] = Value::Object(links);
        }
    }
}

/// The whole document, as JSON.
pub fn document() -> Value {
    let mut schemas = Schemas(Vec::new(), BTreeMap::new());
    let mut paths: BTreeMap<&str, serde_json::Map<String, Value>> = BTreeMap::new();
    for op in Operation::documented() {
        let route = op.route();
        let item = operation(op, &mut schemas);
        paths.entry(route.path).or_default().insert(route.method.as_str().to_ascii_lowercase(), item);
    }
    let responses = std::mem::take(&mut schemas.1);
    let components: BTreeMap<String, Value> = schemas
        .0
        .into_iter()
        .map(|(name, schema)| (name, serde_json::to_value(schema).unwrap_or(Value::Null)))
        .collect();
    add_links(&mut paths, &components);
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": crate::PRODUCT_NAME,
            "version": env!("CARGO_PKG_VERSION"),
            "description": "OAuth connections for bots and people: a bot asks `POST /api/v1/connections/{id}/token` \
                with its key and gets a valid access token. Every answer is `no-store`; every error is \
                `{\"error\": {\"code\", \"message\", \"field\"?, \"reason\"?}}`. Lists are paged with `?limit=` \
                (1 to 100, default 50) and `?cursor=` (the last page's `next_cursor`, `null` on the last page). \
                Writes from a browser must carry the product's own `Origin`; a bot key may omit it.",
        },
        "servers": [{ "url": "/" }],
        "paths": paths,
        "components": {
            "schemas": components,
            "responses": responses,
            "securitySchemes": {
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": SESSION_COOKIE,
                    "description": "A browser session from `POST /api/v1/session`.",
                },
                "botKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "eoc_<8 hex>_<64 hex>_<32 hex>",
                    "description": "A bot key (`POST /api/v1/api-keys`) acting with its owner's rights within its \
                        scopes: `tokens` (the token API and `GET /api/v1/me/connections`), `manage` (everything \
                        else its owner may do, except what needs a browser session). The scopes a route needs \
                        are listed in its requirement.",
                },
                "bootstrapToken": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-Bootstrap-Token",
                    "description": "The deployment's `BOOTSTRAP_TOKEN` secret; only while there is no user.",
                },
            },
        },
    })
}

/// The document as the committed file holds it: pretty JSON and a final newline.
pub fn document_text() -> String {
    let mut text = serde_json::to_string_pretty(&document()).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_route_is_in_the_document_and_nothing_else() {
        let doc = document();
        let mut documented = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                documented.push((method.to_ascii_uppercase(), path.clone()));
            }
        }
        let mut routed: Vec<(String, String)> =
            Operation::documented().map(|op| (op.route().method.to_string(), op.route().path.to_string())).collect();
        documented.sort();
        routed.sort();
        assert_eq!(documented, routed);
    }

    #[test]
    fn every_reference_resolves_and_every_error_is_the_shared_shape() {
        let doc = document();
        let text = doc.to_string();
        for kind in ["schemas", "responses"] {
            let defined = doc["components"][kind].as_object().unwrap();
            for piece in text.split(&format!("#/components/{kind}/")).skip(1) {
                let name: String = piece.chars().take_while(|c| *c != '"').collect();
                assert!(defined.contains_key(&name), "dangling $ref {kind}/{name}");
            }
        }
        for item in doc["paths"].as_object().unwrap().values() {
            for op in item.as_object().unwrap().values() {
                for (status, answer) in op["responses"].as_object().unwrap() {
                    if status.starts_with('4') || status.starts_with('5') {
                        let Some(name) =
                            answer["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/responses/"))
                        else {
                            assert_eq!(op["operationId"], "getHealth", "only the deep health check's 503 is its own");
                            continue;
                        };
                        let schema = &doc["components"]["responses"][name]["content"]["application/json"]["schema"];
                        assert_eq!(schema["allOf"][0]["$ref"], "#/components/schemas/ErrorResponse");
                        for code in name.split('.') {
                            let code = ErrorCode::parse(code).unwrap();
                            assert_eq!(code.status().to_string(), *status, "{} {code}", op["operationId"]);
                        }
                    }
                }
            }
        }
    }

    /// The links of an operation's success answer: target operationId → the id expression.
    fn links_of(doc: &Value, path: &str, method: &str) -> BTreeMap<String, String> {
        let responses = doc["paths"][path][method]["responses"].as_object().unwrap();
        let (_, success) = responses.iter().find(|(status, _)| status.starts_with('2')).unwrap();
        let Some(links) = success["links"].as_object() else { return BTreeMap::new() };
        links
            .iter()
            .map(|(name, link)| {
                assert_eq!(link["operationId"], *name);
                (name.clone(), link["parameters"]["path.id"].as_str().unwrap().to_owned())
            })
            .collect()
    }

    #[test]
    fn a_created_item_links_to_the_operations_on_it() {
        let doc = document();
        let connection = links_of(&doc, "/api/v1/connections", "post");
        for target in ["getConnection", "updateConnection", "deleteConnection", "setConnectionRoles", "issueToken"] {
            assert_eq!(connection.get(target).map(String::as_str), Some("$response.body#/id"), "{target}");
        }
        assert!(!connection.contains_key("listConnections"));
        let key = links_of(&doc, "/api/v1/api-keys", "post");
        assert_eq!(key, BTreeMap::from([("deleteApiKey".to_owned(), "$response.body#/api_key/id".to_owned())]));
        let webhook = links_of(&doc, "/api/v1/webhooks", "post");
        for target in ["getWebhook", "updateWebhook", "deleteWebhook", "rollWebhookSecret"] {
            assert_eq!(webhook.get(target).map(String::as_str), Some("$response.body#/webhook/id"), "{target}");
        }
        assert!(links_of(&doc, "/api/v1/users", "post").contains_key("deleteUser"));
        assert!(links_of(&doc, "/api/v1/roles", "post").contains_key("updateRole"));
        assert!(links_of(&doc, "/api/v1/session", "post").is_empty(), "signing in creates no item");
    }

    #[test]
    fn a_changed_item_links_to_its_reads() {
        let doc = document();
        let invite = links_of(&doc, "/api/v1/connections/{id}/roles", "put");
        assert_eq!(invite.get("getConnection").map(String::as_str), Some("$request.path.id"));
        assert_eq!(invite.get("getConnectionAccess").map(String::as_str), Some("$request.path.id"));
        assert!(!invite.contains_key("deleteConnection"), "a change leads to reads only");
        assert!(links_of(&doc, "/api/v1/webhooks/{id}", "delete").contains_key("getWebhook"));
        assert!(links_of(&doc, "/api/v1/connections/{id}", "get").is_empty(), "a read leads nowhere");
        assert!(links_of(&doc, "/api/v1/connections/{id}/proxy/{rest}", "post").is_empty(), "the provider's answer");
        assert!(!invite.contains_key("proxyGet"), "the provider's answer is no read of the connection");
    }

    #[test]
    fn every_link_names_an_operation_taking_an_id() {
        let doc = document();
        let mut count = 0;
        for item in doc["paths"].as_object().unwrap().values() {
            for op in item.as_object().unwrap().values() {
                for answer in op["responses"].as_object().unwrap().values() {
                    for link in answer["links"].as_object().into_iter().flat_map(|l| l.values()) {
                        let target = Operation::parse(link["operationId"].as_str().unwrap()).unwrap();
                        assert!(target.route().parameters().contains(&"id"), "{target} takes no id");
                        count += 1;
                    }
                }
            }
        }
        assert!(count > 20, "only {count} links");
    }

    #[test]
    fn the_token_route_takes_a_tokens_key_and_the_rest_a_manage_key() {
        let doc = document();
        let token = &doc["paths"]["/api/v1/connections/{id}/token"]["post"];
        assert_eq!(token["security"], json!([{ "session": [] }, { "botKey": ["tokens"] }]));
        assert_eq!(doc["paths"]["/api/v1/users"]["get"]["security"][1]["botKey"], json!(["manage"]));
        assert_eq!(doc["paths"]["/api/v1/health"]["get"]["security"], json!([]));
        assert!(doc["paths"]["/api/v1/users"]["get"]["parameters"].to_string().contains("\"cursor\""));
    }
}
