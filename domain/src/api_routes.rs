//! The route table: every operation of the HTTP API, with its method, path and who may call it.
//! The worker's router is built from it (`edge/src/router.rs` matches every `Operation` to its
//! handler, exhaustively) and the OpenAPI document is generated from it (`openapi.rs`, matching
//! every `Operation` to its wire types, exhaustively), so a route cannot exist in one and not in
//! the other. Adding a route: a variant here, a row in `Operation::route`, its handler in the
//! router and its wire types in `openapi.rs`; the compiler asks for each, and the freshness test
//! of the committed `openapi.json` (`cargo xtask openapi`) for the last step.

use crate::key_scope::KeyScope;

crate::text_enum! {
    /// An HTTP method a route answers to.
    #[derive(PartialOrd, Ord)]
    pub enum Method {
        /// Reads.
        Get = "GET",
        /// Creates, and actions.
        Post = "POST",
        /// Replaces a whole set.
        Put = "PUT",
        /// Changes the fields sent.
        Patch = "PATCH",
        /// Deletes.
        Delete = "DELETE",
    }
}

/// Who may call a route, before the rights of the person (roles, invites) are asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// A script holding the deployment's `BOOTSTRAP_TOKEN` (`X-Bootstrap-Token`).
    BootstrapToken,
    /// A browser session (`__Host-session` cookie) only: no bot key.
    Session,
    /// A browser session, or a bot key holding this scope (`key_scope.rs`).
    SessionOrKey(KeyScope),
}

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// The method.
    pub method: Method,
    /// The path, parameters written `{name}` (OpenAPI's way; the router's is `:name`).
    pub path: &'static str,
    /// Who may call it.
    pub access: Access,
    /// One line for the document and the SPA's API page; names the rights it needs.
    pub summary: &'static str,
    /// A route of test builds only (the worker refuses it elsewhere): routed, not documented.
    pub test_only: bool,
}

crate::text_enum! {
    /// Every operation of the API; the text is its OpenAPI `operationId`.
    pub enum Operation {
        /// `GET /api/v1/health`.
        GetHealth = "getHealth",
        /// `GET /api/v1/config`.
        GetConfig = "getConfig",
        /// `GET /api/v1/openapi.json`.
        GetOpenApi = "getOpenApi",
        /// `GET /api/v1/_test/discovery` (test builds).
        TestDiscovery = "testDiscovery",
        /// `POST /api/v1/_test/faults` (test builds).
        TestFaults = "testFaults",
        /// `POST /api/v1/bootstrap`.
        Bootstrap = "bootstrap",
        /// `POST /api/v1/session`.
        SignIn = "signIn",
        /// `GET /api/v1/session`.
        GetSession = "getSession",
        /// `DELETE /api/v1/session`.
        SignOut = "signOut",
        /// `GET /api/v1/users`.
        ListUsers = "listUsers",
        /// `POST /api/v1/users`.
        CreateUser = "createUser",
        /// `GET /api/v1/users/{id}`.
        GetUser = "getUser",
        /// `PATCH /api/v1/users/{id}`.
        UpdateUser = "updateUser",
        /// `DELETE /api/v1/users/{id}`.
        DeleteUser = "deleteUser",
        /// `GET /api/v1/roles`.
        ListRoles = "listRoles",
        /// `POST /api/v1/roles`.
        CreateRole = "createRole",
        /// `GET /api/v1/roles/{id}`.
        GetRole = "getRole",
        /// `PATCH /api/v1/roles/{id}`.
        UpdateRole = "updateRole",
        /// `DELETE /api/v1/roles/{id}`.
        DeleteRole = "deleteRole",
        /// `GET /api/v1/api-keys`.
        ListApiKeys = "listApiKeys",
        /// `POST /api/v1/api-keys`.
        CreateApiKey = "createApiKey",
        /// `DELETE /api/v1/api-keys/{id}`.
        DeleteApiKey = "deleteApiKey",
        /// `GET /api/v1/providers`.
        ListProviders = "listProviders",
        /// `POST /api/v1/discovery`.
        Discover = "discover",
        /// `GET /api/v1/invitable-roles`.
        ListInvitableRoles = "listInvitableRoles",
        /// `GET /api/v1/connections`.
        ListConnections = "listConnections",
        /// `POST /api/v1/connections`.
        CreateConnection = "createConnection",
        /// `GET /api/v1/connections/{id}`.
        GetConnection = "getConnection",
        /// `GET /api/v1/connections/{id}/access`.
        GetConnectionAccess = "getConnectionAccess",
        /// `PATCH /api/v1/connections/{id}`.
        UpdateConnection = "updateConnection",
        /// `DELETE /api/v1/connections/{id}`.
        DeleteConnection = "deleteConnection",
        /// `PUT /api/v1/connections/{id}/roles`.
        SetConnectionRoles = "setConnectionRoles",
        /// `POST /api/v1/connections/{id}/authorize`.
        AuthorizeConnection = "authorizeConnection",
        /// `POST /api/v1/connections/{id}/test`.
        TestConnection = "testConnection",
        /// `POST /api/v1/connections/{id}/token`.
        IssueToken = "issueToken",
        /// `DELETE /api/v1/connections/{id}/tokens/me`.
        ForgetMyToken = "forgetMyToken",
        /// `GET /api/v1/me/connections`.
        ListMyConnections = "listMyConnections",
        /// `GET /oauth/callback`.
        OAuthCallback = "oauthCallback",
        /// `GET /api/v1/notifications`.
        ListNotifications = "listNotifications",
        /// `POST /api/v1/notifications/{id}/read`.
        MarkNotificationRead = "markNotificationRead",
        /// `POST /api/v1/notifications/read`.
        MarkAllNotificationsRead = "markAllNotificationsRead",
        /// `GET /api/v1/me/subscriptions`.
        GetSubscriptions = "getSubscriptions",
        /// `PUT /api/v1/me/subscriptions`.
        SetSubscriptions = "setSubscriptions",
        /// `GET /api/v1/audit`.
        ListAudit = "listAudit",
        /// `POST /api/v1/admin/encryption/rotate`.
        RotateEncryption = "rotateEncryption",
        /// `GET /api/v1/webhooks`.
        ListWebhooks = "listWebhooks",
        /// `POST /api/v1/webhooks`.
        CreateWebhook = "createWebhook",
        /// `GET /api/v1/webhooks/{id}`.
        GetWebhook = "getWebhook",
        /// `PATCH /api/v1/webhooks/{id}`.
        UpdateWebhook = "updateWebhook",
        /// `DELETE /api/v1/webhooks/{id}`.
        DeleteWebhook = "deleteWebhook",
        /// `POST /api/v1/webhooks/{id}/roll-secret`.
        RollWebhookSecret = "rollWebhookSecret",
        /// `POST /api/v1/webhooks/{id}/test`.
        TestWebhook = "testWebhook",
        /// `POST /api/v1/webhooks/{id}/redeliver`.
        RedeliverWebhook = "redeliverWebhook",
        /// `GET /api/v1/webhooks/{id}/deliveries`.
        ListWebhookDeliveries = "listWebhookDeliveries",
        /// `GET /api/v1/connections/{id}/proxy/{rest}`: the token-free proxy.
        ProxyGet = "proxyGet",
        /// `POST /api/v1/connections/{id}/proxy/{rest}`.
        ProxyPost = "proxyPost",
        /// `PUT /api/v1/connections/{id}/proxy/{rest}`.
        ProxyPut = "proxyPut",
        /// `PATCH /api/v1/connections/{id}/proxy/{rest}`.
        ProxyPatch = "proxyPatch",
        /// `DELETE /api/v1/connections/{id}/proxy/{rest}`.
        ProxyDelete = "proxyDelete",
    }
}

/// The token-free proxy's path: `{rest}`, last, takes the rest of the path, slashes included.
const PROXY_PATH: &str = "/api/v1/connections/{id}/proxy/{rest}";
const PROXY_SUMMARY: &str =
    "Call the provider's API with the connection's token added (connections.use or an invite; `X-Token-Type`)";

impl Operation {
    /// Its row of the table.
    pub const fn route(self) -> Route {
        use Access::{BootstrapToken, Public, Session, SessionOrKey};
        use KeyScope::{Manage, Tokens};
        use Method::{Delete, Get, Patch, Post, Put};
        let (method, path, access, summary) = match self {
            Operation::GetHealth => {
                (Get, "/api/v1/health", Public, "Liveness; `?deep=1` also checks D1 and the objects")
            }
            Operation::GetConfig => (Get, "/api/v1/config", Public, "What the SPA needs before sign-in"),
            Operation::GetOpenApi => (Get, "/api/v1/openapi.json", Public, "This document"),
            Operation::TestDiscovery => {
                (Get, "/api/v1/_test/discovery", Public, "Test builds: read an issuer's discovery document")
            }
            Operation::TestFaults => (Post, "/api/v1/_test/faults", Public, "Test builds: inject faults"),
            Operation::Bootstrap => {
                (Post, "/api/v1/bootstrap", BootstrapToken, "Create the first admin while there is no user")
            }
            Operation::SignIn => (Post, "/api/v1/session", Public, "Sign in with email and password"),
            Operation::GetSession => (Get, "/api/v1/session", SessionOrKey(Manage), "Who am I, with what rights"),
            Operation::SignOut => (Delete, "/api/v1/session", Public, "Sign out (always succeeds)"),
            Operation::ListUsers => (Get, "/api/v1/users", SessionOrKey(Manage), "List people (Admin)"),
            Operation::CreateUser => (Post, "/api/v1/users", SessionOrKey(Manage), "Create a person (Admin)"),
            Operation::GetUser => (Get, "/api/v1/users/{id}", SessionOrKey(Manage), "Read a person (Admin)"),
            Operation::UpdateUser => (Patch, "/api/v1/users/{id}", SessionOrKey(Manage), "Change a person (Admin)"),
            Operation::DeleteUser => (
                Delete,
                "/api/v1/users/{id}",
                SessionOrKey(Manage),
                "Deactivate a person (Admin): they stay, `active: false`, sessions ended, keys revoked",
            ),
            Operation::ListRoles => (Get, "/api/v1/roles", SessionOrKey(Manage), "List roles (Admin)"),
            Operation::CreateRole => (Post, "/api/v1/roles", SessionOrKey(Manage), "Create a custom role (Admin)"),
            Operation::GetRole => (Get, "/api/v1/roles/{id}", SessionOrKey(Manage), "Read a role (Admin)"),
            Operation::UpdateRole => (Patch, "/api/v1/roles/{id}", SessionOrKey(Manage), "Change a role (Admin)"),
            Operation::DeleteRole => {
                (Delete, "/api/v1/roles/{id}", SessionOrKey(Manage), "Delete a custom role (Admin)")
            }
            Operation::ListApiKeys => (Get, "/api/v1/api-keys", SessionOrKey(Manage), "List my bot keys"),
            Operation::CreateApiKey => (Post, "/api/v1/api-keys", Session, "Create a bot key acting with my rights"),
            Operation::DeleteApiKey => (Delete, "/api/v1/api-keys/{id}", Session, "Revoke one of my bot keys"),
            Operation::ListProviders => (Get, "/api/v1/providers", SessionOrKey(Manage), "The provider catalogue"),
            Operation::Discover => (
                Post,
                "/api/v1/discovery",
                SessionOrKey(Manage),
                "Read an issuer's OpenID or RFC 8414 metadata; stores nothing (connections.manage)",
            ),
            Operation::ListInvitableRoles => (
                Get,
                "/api/v1/invitable-roles",
                SessionOrKey(Manage),
                "Custom roles a connection may be shared with (connections.manage)",
            ),
            Operation::ListConnections => {
                (Get, "/api/v1/connections", SessionOrKey(Manage), "List connections (connections.view)")
            }
            Operation::CreateConnection => {
                (Post, "/api/v1/connections", SessionOrKey(Manage), "Create a connection (connections.manage)")
            }
            Operation::GetConnection => {
                (Get, "/api/v1/connections/{id}", SessionOrKey(Manage), "Read a connection (connections.view)")
            }
            Operation::GetConnectionAccess => (
                Get,
                "/api/v1/connections/{id}/access",
                SessionOrKey(Manage),
                "Whether I may use a connection, and if not why and whom to ask (connections.view)",
            ),
            Operation::UpdateConnection => (
                Patch,
                "/api/v1/connections/{id}",
                SessionOrKey(Manage),
                "Change a connection's fields (connections.manage)",
            ),
            Operation::DeleteConnection => (
                Delete,
                "/api/v1/connections/{id}",
                SessionOrKey(Manage),
                "Delete a connection and its tokens (connections.manage)",
            ),
            Operation::SetConnectionRoles => (
                Put,
                "/api/v1/connections/{id}/roles",
                SessionOrKey(Manage),
                "Share a connection with custom roles (connections.manage)",
            ),
            Operation::AuthorizeConnection => (
                Post,
                "/api/v1/connections/{id}/authorize",
                Session,
                "Start a consent at the provider (a browser session)",
            ),
            Operation::TestConnection => (
                Post,
                "/api/v1/connections/{id}/test",
                SessionOrKey(Manage),
                "Fetch a client-credentials token once (connections.manage)",
            ),
            Operation::IssueToken => (
                Post,
                "/api/v1/connections/{id}/token",
                SessionOrKey(Tokens),
                "Get a valid access token (connections.use or an invite)",
            ),
            Operation::ForgetMyToken => {
                (Delete, "/api/v1/connections/{id}/tokens/me", SessionOrKey(Manage), "Forget my own token")
            }
            Operation::ListMyConnections => {
                (Get, "/api/v1/me/connections", SessionOrKey(Tokens), "Connections I may use, with my token's state")
            }
            Operation::OAuthCallback => {
                (Get, crate::CALLBACK_PATH, Session, "Where providers send a consent back (a popup page)")
            }
            Operation::ListNotifications => {
                (Get, "/api/v1/notifications", SessionOrKey(Manage), "My notifications, newest first")
            }
            Operation::MarkNotificationRead => {
                (Post, "/api/v1/notifications/{id}/read", SessionOrKey(Manage), "Mark a notification read")
            }
            Operation::MarkAllNotificationsRead => {
                (Post, "/api/v1/notifications/read", SessionOrKey(Manage), "Mark all my notifications read")
            }
            Operation::GetSubscriptions => {
                (Get, "/api/v1/me/subscriptions", SessionOrKey(Manage), "The kinds I am notified of")
            }
            Operation::SetSubscriptions => {
                (Put, "/api/v1/me/subscriptions", SessionOrKey(Manage), "Choose the kinds I am notified of")
            }
            Operation::ListAudit => (Get, "/api/v1/audit", SessionOrKey(Manage), "The audit log, newest first (Admin)"),
            Operation::RotateEncryption => (
                Post,
                "/api/v1/admin/encryption/rotate",
                SessionOrKey(Manage),
                "One step of re-encrypting under the newest key (Admin)",
            ),
            Operation::ListWebhooks => {
                (Get, "/api/v1/webhooks", SessionOrKey(Manage), "List webhook endpoints (Admin)")
            }
            Operation::CreateWebhook => (
                Post,
                "/api/v1/webhooks",
                SessionOrKey(Manage),
                "Add a webhook endpoint; its signing secret is shown once (Admin)",
            ),
            Operation::GetWebhook => {
                (Get, "/api/v1/webhooks/{id}", SessionOrKey(Manage), "Read a webhook endpoint (Admin)")
            }
            Operation::UpdateWebhook => {
                (Patch, "/api/v1/webhooks/{id}", SessionOrKey(Manage), "Change a webhook endpoint (Admin)")
            }
            Operation::DeleteWebhook => {
                (Delete, "/api/v1/webhooks/{id}", SessionOrKey(Manage), "Delete a webhook endpoint (Admin)")
            }
            Operation::RollWebhookSecret => (
                Post,
                "/api/v1/webhooks/{id}/roll-secret",
                SessionOrKey(Manage),
                "A new signing secret, shown once; the old one also signs for 24 h (Admin)",
            ),
            Operation::TestWebhook => {
                (Post, "/api/v1/webhooks/{id}/test", SessionOrKey(Manage), "Queue a webhook.test event (Admin)")
            }
            Operation::RedeliverWebhook => {
                (Post, "/api/v1/webhooks/{id}/redeliver", SessionOrKey(Manage), "Queue one delivery again (Admin)")
            }
            Operation::ListWebhookDeliveries => (
                Get,
                "/api/v1/webhooks/{id}/deliveries",
                SessionOrKey(Manage),
                "An endpoint's deliveries, newest first, with every attempt (Admin)",
            ),
            Operation::ProxyGet => (Get, PROXY_PATH, SessionOrKey(Tokens), PROXY_SUMMARY),
            Operation::ProxyPost => (Post, PROXY_PATH, SessionOrKey(Tokens), PROXY_SUMMARY),
            Operation::ProxyPut => (Put, PROXY_PATH, SessionOrKey(Tokens), PROXY_SUMMARY),
            Operation::ProxyPatch => (Patch, PROXY_PATH, SessionOrKey(Tokens), PROXY_SUMMARY),
            Operation::ProxyDelete => (Delete, PROXY_PATH, SessionOrKey(Tokens), PROXY_SUMMARY),
        };
        let test_only = matches!(self, Operation::TestDiscovery | Operation::TestFaults);
        Route { method, path, access, summary, test_only }
    }

    /// Whether the route streams request and response bodies through, whatever their size (the
    /// token-free proxy); every other route reads at most 64 KiB.
    pub const fn streams_bodies(self) -> bool {
        matches!(
            self,
            Operation::ProxyGet
                | Operation::ProxyPost
                | Operation::ProxyPut
                | Operation::ProxyPatch
                | Operation::ProxyDelete
        )
    }

    /// Whether browsers' same-origin rule for writes applies (`origin.rs`): not to scripts that
    /// prove themselves with a secret of their own (the bootstrap) nor to test-only routes.
    pub const fn same_origin_writes(self) -> bool {
        let route = self.route();
        !route.test_only && !matches!(route.access, Access::BootstrapToken)
    }

    /// The operations the OpenAPI document describes: all but the test-only ones.
    pub fn documented() -> impl Iterator<Item = Operation> {
        Operation::ALL.into_iter().filter(|op| !op.route().test_only)
    }
}

impl Route {
    /// The path in the worker router's syntax (`{id}` → `:id`; a last `{rest}` → `*rest`, which
    /// takes the rest of the path).
    pub fn router_pattern(&self) -> String {
        self.path.replace("{rest}", "*rest").replace('{', ":").replace('}', "")
    }

    /// The path with every `{parameter}` replaced by `value` (for tests and examples).
    pub fn path_with(&self, value: &str) -> String {
        let mut out = String::new();
        let mut rest = self.path;
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            out.push_str(value);
            rest = rest[start..].find('}').map_or("", |end| &rest[start + end + 1..]);
        }
        out.push_str(rest);
        out
    }

    /// The names of its path parameters, in order.
    pub fn parameters(&self) -> Vec<&'static str> {
        self.path.split('/').filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}'))).collect()
    }

    /// The path of the one item this route acts on (`/api/v1/connections/{id}` for
    /// `/api/v1/connections/{id}/token`), when it acts on one.
    pub fn item(&self) -> Option<&'static str> {
        const ID: &str = "/{id}";
        self.path.find(ID).map(|at| &self.path[..at + ID.len()])
    }

    /// Whether this route creates the items of its path's collection: a `POST` to the
    /// collection itself (`/api/v1/connections`), whose items are `<path>/{id}`.
    pub fn creates(&self) -> bool {
        self.method == Method::Post && self.parameters().is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_item_of_a_route_is_its_path_up_to_the_id() {
        assert_eq!(Operation::IssueToken.route().item(), Some("/api/v1/connections/{id}"));
        assert_eq!(Operation::ProxyGet.route().item(), Some("/api/v1/connections/{id}"));
        assert_eq!(Operation::GetWebhook.route().item(), Some("/api/v1/webhooks/{id}"));
        assert_eq!(Operation::ListConnections.route().item(), None);
        assert!(Operation::CreateConnection.route().creates());
        assert!(!Operation::ListConnections.route().creates());
        assert!(!Operation::TestConnection.route().creates());
    }

    #[test]
    fn every_method_and_path_is_routed_once() {
        let mut seen = std::collections::BTreeSet::new();
        for op in Operation::ALL {
            let route = op.route();
            assert!(seen.insert((route.method, route.path)), "{op:?} repeats {} {}", route.method, route.path);
            assert!(route.path.starts_with("/api/v1/") || route.path == crate::CALLBACK_PATH, "{op:?}");
        }
    }

    #[test]
    fn the_key_scopes_of_the_table_are_the_ones_the_worker_applies() {
        // `key_scope::allows` is what the worker asks; the table must say the same.
        for op in Operation::ALL {
            let route = op.route();
            let path = route.path_with("abc");
            let tokens_only = crate::key_scope::allows(&[KeyScope::Tokens], route.method.as_str(), &path);
            assert_eq!(tokens_only, route.access == Access::SessionOrKey(KeyScope::Tokens), "{op:?}");
        }
    }

    #[test]
    fn paths_convert_to_the_router_syntax_and_fill() {
        let route = Operation::ForgetMyToken.route();
        assert_eq!(route.router_pattern(), "/api/v1/connections/:id/tokens/me");
        assert_eq!(route.path_with("c1"), "/api/v1/connections/c1/tokens/me");
        assert_eq!(route.parameters(), ["id"]);
        assert!(Operation::GetHealth.route().parameters().is_empty());
        let proxy = Operation::ProxyPatch.route();
        assert_eq!(proxy.router_pattern(), "/api/v1/connections/:id/proxy/*rest");
        assert_eq!(proxy.parameters(), ["id", "rest"]);
        assert!(Operation::ProxyPatch.streams_bodies() && !Operation::IssueToken.streams_bodies());
    }

    #[test]
    fn only_the_bootstrap_and_test_routes_skip_the_origin_rule() {
        let skipped: Vec<Operation> = Operation::ALL.into_iter().filter(|op| !op.same_origin_writes()).collect();
        assert_eq!(skipped, [Operation::TestDiscovery, Operation::TestFaults, Operation::Bootstrap]);
        assert!(Operation::documented().all(|op| !op.route().test_only));
    }
}
