//! What the connection list's memory (the worker's `ListMemory` object) holds and when it must
//! forget it. A page of `GET /api/v1/connections` is the same for every viewer (it has no field
//! that depends on who asks; whether someone may use a connection is `…/{id}/access`), so one
//! rendered page serves everyone who may view connections; the viewer's session is checked from
//! memory too, so a warm page costs no D1 round trip at all.
//!
//! A page is kept by its `PageQuery` key, until the first of: a write that may change any page
//! (`effect_of`), the moment one of its shared tokens turns from valid to expired
//! (`fresh_until`), or the memory bound every object keeps (`settings::ACCESS_MEMORY_SECONDS`
//! in the worker).

use serde::{Deserialize, Serialize};

use crate::api::ConnectionView;
use crate::api_routes::Operation;
use crate::connection::ConnectionStatus;
use crate::list_order::{ConnectionSort, SortDirection};
use crate::provider::ProviderKind;
use crate::session::SessionCheck;
use crate::token::TokenState;

/// Pages held at once; past it every page is dropped (the next calls read D1 again). A page of
/// 50 rows is about 50 KB of JSON, so memory stays near 25 MB at most.
pub const MAX_PAGES: usize = 512;

/// Sessions held at once; past it every session is dropped.
pub const MAX_SESSIONS: usize = 4096;

/// Everything that chooses a page's rows, already validated: the key it is kept under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageQuery {
    /// The search text, trimmed and lower-cased (how the list matches it).
    pub q: String,
    /// Only this provider, when given.
    pub provider: Option<ProviderKind>,
    /// Only this status, when given.
    pub status: Option<ConnectionStatus>,
    /// The order.
    pub sort: ConnectionSort,
    /// Its direction.
    pub direction: SortDirection,
    /// After this cursor (as sent; valid for `sort`), or from the start when empty.
    pub cursor: String,
    /// Rows per page.
    pub limit: u32,
}

impl PageQuery {
    /// A query whose search text is normalised the way the list matches it, so `Foo ` and
    /// `foo` share one page.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        q: &str,
        provider: Option<ProviderKind>,
        status: Option<ConnectionStatus>,
        sort: ConnectionSort,
        direction: SortDirection,
        cursor: &str,
        limit: u32,
    ) -> PageQuery {
        PageQuery { q: q.trim().to_lowercase(), provider, status, sort, direction, cursor: cursor.into(), limit }
    }

    /// The key a page is kept under: one text per distinct query (fields separated by a
    /// character neither an enum name nor a number holds; the free-text fields come last and
    /// are length-prefixed, so no two queries share a key).
    pub fn key(&self) -> String {
        format!(
            "{}\u{1}{}\u{1}{}\u{1}{}\u{1}{}\u{1}{}:{}\u{1}{}",
            self.provider.map_or("", ProviderKind::as_str),
            self.status.map_or("", ConnectionStatus::as_str),
            self.sort.as_str(),
            self.direction.as_str(),
            self.limit,
            self.q.len(),
            self.q,
            self.cursor,
        )
    }
}

/// Until when (seconds since the epoch) a page rendered at `now` reads the same: a shared
/// token shown as valid turns expired when its `expires_at` passes (`token::display_status`);
/// nothing else in a page depends on the time. `None`: nothing in it changes with time.
pub fn fresh_until(now: i64, items: &[ConnectionView]) -> Option<i64> {
    items
        .iter()
        .filter_map(|item| item.shared_token.as_ref())
        .filter_map(|token| match (token.status, token.expires_at) {
            (TokenState::Valid, Some(at)) if at > now => Some(at),
            _ => None,
        })
        .min()
}

/// Whether a session remembered with these times may be trusted without D1: only while it is
/// valid and not due for its `last_seen_at` touch. Otherwise D1 is read (another route may
/// have touched it since, so memory alone never expires a session) and written as usual.
pub fn session_from_memory(check: SessionCheck) -> bool {
    matches!(check, SessionCheck::Valid { touch: false })
}

/// What a write may change of what the list's memory holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListEffect {
    /// Nothing any page or remembered session shows.
    Nothing,
    /// The caller's own session only (sign-out): that session is forgotten.
    OwnSession,
    /// Anything: every page and every remembered session is forgotten.
    Everything,
}

/// What a call of `operation` may change of the list's memory, decided per operation so that a
/// route added to the table must say (this match is exhaustive). Reads change nothing; writes
/// to connections, their invites, tokens, people, roles and sessions change everything (the
/// rendered pages, or who may read them). The token API and the proxy write token state only
/// through a token's vault, which tells the list itself (`vault.rs`), so a bot fleet's calls
/// never empty it.
pub const fn effect_of(operation: Operation) -> ListEffect {
    use ListEffect::{Everything, Nothing, OwnSession};
    match operation {
        Operation::GetHealth
        | Operation::GetConfig
        | Operation::GetOpenApi
        | Operation::TestDiscovery
        | Operation::GetSession
        | Operation::ListUsers
        | Operation::GetUser
        | Operation::ListRoles
        | Operation::GetRole
        | Operation::ListApiKeys
        | Operation::ListProviders
        | Operation::ListInvitableRoles
        | Operation::ListConnections
        | Operation::GetConnection
        | Operation::GetConnectionAccess
        | Operation::ListMyConnections
        | Operation::ListNotifications
        | Operation::GetSubscriptions
        | Operation::ListAudit
        | Operation::ListWebhooks
        | Operation::GetWebhook
        | Operation::ListWebhookDeliveries => Nothing,
        // Writes of things no page or session shows: fault switches, a discovery (it stores
        // nothing), a new session (no one
        // can hold it yet), bot keys (the list's sessions are browsers'), a consent's start (a
        // transaction row), notifications, subscriptions, webhook endpoints and their messages.
        Operation::TestFaults
        | Operation::Discover
        | Operation::SignIn
        | Operation::CreateApiKey
        | Operation::DeleteApiKey
        | Operation::AuthorizeConnection
        | Operation::MarkNotificationRead
        | Operation::MarkAllNotificationsRead
        | Operation::SetSubscriptions
        | Operation::CreateWebhook
        | Operation::UpdateWebhook
        | Operation::DeleteWebhook
        | Operation::RollWebhookSecret
        | Operation::TestWebhook
        | Operation::RedeliverWebhook => Nothing,
        // Token state reaches D1 through the vault, which resets the list when a shared token
        // changed.
        Operation::IssueToken
        | Operation::ProxyGet
        | Operation::ProxyPost
        | Operation::ProxyPut
        | Operation::ProxyPatch
        | Operation::ProxyDelete => Nothing,
        Operation::SignOut => OwnSession,
        // The first admin, people (active flag, password, roles, deletion: sessions and rights),
        // roles (names shown as invites, permissions behind the view right, members),
        // connections and their invites, a consent's or test's token and status, a forgotten
        // token, re-encryption (rows rewritten).
        Operation::Bootstrap
        | Operation::CreateUser
        | Operation::UpdateUser
        | Operation::DeleteUser
        | Operation::CreateRole
        | Operation::UpdateRole
        | Operation::DeleteRole
        | Operation::CreateConnection
        | Operation::UpdateConnection
        | Operation::DeleteConnection
        | Operation::SetConnectionRoles
        | Operation::TestConnection
        | Operation::ForgetMyToken
        | Operation::OAuthCallback
        | Operation::RotateEncryption => Everything,
    }
}

/// Whether an answer with this status may have changed anything: a refusal (4xx) is decided
/// before a write's batch, and a guard that fails fails the whole batch, so 4xx changed nothing.
pub fn answer_may_have_written(status: u16) -> bool {
    !(400..500).contains(&status)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(q: &str, cursor: &str) -> PageQuery {
        PageQuery::new(q, None, None, ConnectionSort::Name, SortDirection::Asc, cursor, 50)
    }

    #[test]
    fn equal_queries_share_a_key_and_different_ones_do_not() {
        assert_eq!(query(" Foo ", "").key(), query("foo", "").key());
        assert_ne!(query("a", "b").key(), query("ab", "").key(), "the search and the cursor cannot run together");
        assert_ne!(query("", "").key(), query("", "~x").key());
        let salesforce = PageQuery { provider: Some(ProviderKind::Salesforce), ..query("", "") };
        assert_ne!(salesforce.key(), query("", "").key());
        let drafts = PageQuery { status: Some(ConnectionStatus::Draft), ..query("", "") };
        assert_ne!(drafts.key(), salesforce.key());
        let desc = PageQuery { direction: SortDirection::Desc, ..query("", "") };
        assert_ne!(desc.key(), query("", "").key());
        let by_status = PageQuery { sort: ConnectionSort::Status, ..query("", "") };
        assert_ne!(by_status.key(), query("", "").key());
        let short = PageQuery { limit: 10, ..query("", "") };
        assert_ne!(short.key(), query("", "").key());
    }

    fn shown(token: Option<(TokenState, Option<i64>)>) -> ConnectionView {
        let json = serde_json::json!({
            "id": "c", "provider": "custom", "name": "C", "description": "", "grant_type": "client_credentials",
            "client_id": "id", "client_secret_set": false, "authorization_url": "", "token_url": "https://t",
            "scopes": [], "placeholders": {}, "client_auth_method": "client_secret_basic",
            "save_credentials": false, "status": "ready", "tokens_stale": false,
            "readiness": {"shared_token": "missing", "banner": null},
            "invited_role_ids": [], "invited_roles": [], "shared_token": token.map(|(status, expires_at)| serde_json::json!({
                "status": status, "expires_at": expires_at, "last_refresh_at": null, "last_error": null, "updated_at": 0
            })), "created_at": 0, "updated_at": 0
        });
        serde_json::from_value(json).expect("a connection view")
    }

    #[test]
    fn a_page_is_fresh_until_its_first_valid_token_expires() {
        let now = 1_000;
        assert_eq!(fresh_until(now, &[]), None);
        let items = [
            shown(Some((TokenState::Valid, Some(2_000)))),
            shown(Some((TokenState::Valid, Some(1_500)))),
            shown(Some((TokenState::Expired, Some(900)))),
            shown(Some((TokenState::NeedsReauth, Some(1_200)))),
            shown(Some((TokenState::Valid, None))),
            shown(None),
        ];
        assert_eq!(fresh_until(now, &items), Some(1_500), "expired, reauth and open-ended tokens never change");
    }

    #[test]
    fn only_a_session_not_due_for_its_touch_is_served_from_memory() {
        assert!(session_from_memory(SessionCheck::Valid { touch: false }));
        assert!(!session_from_memory(SessionCheck::Valid { touch: true }));
        assert!(!session_from_memory(SessionCheck::Expired));
    }

    #[test]
    fn every_write_that_people_make_to_connections_or_people_resets_the_list() {
        for op in Operation::ALL {
            let route = op.route();
            let effect = effect_of(op);
            if route.method == crate::api_routes::Method::Get && op != Operation::OAuthCallback {
                assert_eq!(effect, ListEffect::Nothing, "{op:?} is a read");
            }
        }
        for op in [
            Operation::UpdateUser,
            Operation::DeleteUser,
            Operation::UpdateRole,
            Operation::DeleteRole,
            Operation::CreateConnection,
            Operation::UpdateConnection,
            Operation::DeleteConnection,
            Operation::SetConnectionRoles,
            Operation::TestConnection,
            Operation::OAuthCallback,
        ] {
            assert_eq!(effect_of(op), ListEffect::Everything, "{op:?}");
        }
        assert_eq!(effect_of(Operation::SignOut), ListEffect::OwnSession);
        assert_eq!(effect_of(Operation::IssueToken), ListEffect::Nothing, "the vault resets it");
    }

    #[test]
    fn refusals_wrote_nothing() {
        assert!(answer_may_have_written(200));
        assert!(answer_may_have_written(204));
        assert!(answer_may_have_written(302));
        assert!(answer_may_have_written(500));
        assert!(!answer_may_have_written(403));
        assert!(!answer_may_have_written(409));
        assert!(!answer_may_have_written(422));
    }
}
