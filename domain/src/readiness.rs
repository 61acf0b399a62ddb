//! What a connection's page says about it: the shared token's state and the one banner, decided
//! together from the connection's status, grant, token staleness and stored shared token, so the
//! status badge, the token line, the banner and the token API never disagree. The worker puts the
//! decision in every `ConnectionView`; the SPA shows it as it comes.

use serde::{Deserialize, Serialize};

use crate::connection::{ConnectionStatus, GrantType};
use crate::token::TokenState;

crate::text_enum! {
    /// The shared token as people should read it.
    pub enum SharedTokenState {
        /// None is stored: never authorized, or dropped when credentials were pointed elsewhere.
        Missing = "missing",
        /// Client credentials: fetched from the token URL when a bot asks, no person involved.
        OnDemand = "on_demand",
        /// Usable and issued for the current settings.
        Valid = "valid",
        /// Past its expiry; the next token call renews it.
        Expired = "expired",
        /// Issued before the scopes or the client secret changed: bots still get it (or its
        /// renewal, with the old scopes) until someone authorizes the shared token again.
        Outdated = "outdated",
        /// The provider refused its grant: someone must consent again.
        NeedsReauth = "needs_reauth",
    }
}

crate::text_enum! {
    /// The one notice a connection's page shows above its facts, most urgent first.
    pub enum Banner {
        /// A refresh was refused: bots fail until someone consents again.
        NeedsReauth = "needs_reauth",
        /// The shared token was issued for earlier settings and is still what bots get.
        TokensOutdated = "tokens_outdated",
        /// Not tested with its current settings.
        NotTested = "not_tested",
    }
}

/// A connection's shared token state and banner, decided once.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Readiness {
    /// How the shared token reads.
    pub shared_token: SharedTokenState,
    /// The notice to show, if any.
    pub banner: Option<Banner>,
}

/// Decide what a connection's page says. `shared` is the stored shared token's display state
/// (`token::display_status`), `None` when there is none; `tokens_stale` says scopes or the
/// secret changed after the stored tokens were issued.
pub fn readiness(
    status: ConnectionStatus,
    grant: GrantType,
    tokens_stale: bool,
    shared: Option<TokenState>,
) -> Readiness {
    let shared_token = match (grant, shared) {
        // A client-credentials token is a cache the worker refills itself; an edit of what it
        // was issued for drops it (edge `routes/connections.rs`), so it is never outdated.
        (GrantType::ClientCredentials, _) => SharedTokenState::OnDemand,
        (_, None) => SharedTokenState::Missing,
        (_, Some(TokenState::NeedsReauth)) => SharedTokenState::NeedsReauth,
        (_, Some(_)) if tokens_stale => SharedTokenState::Outdated,
        (_, Some(TokenState::Valid)) => SharedTokenState::Valid,
        (_, Some(TokenState::Expired)) => SharedTokenState::Expired,
    };
    let banner = if status == ConnectionStatus::NeedsReauth || shared_token == SharedTokenState::NeedsReauth {
        Some(Banner::NeedsReauth)
    } else if shared_token == SharedTokenState::Outdated {
        Some(Banner::TokensOutdated)
    } else if status == ConnectionStatus::Draft {
        Some(Banner::NotTested)
    } else {
        None
    };
    Readiness { shared_token, banner }
}

impl SharedTokenState {
    /// The token line's headline (an expiry, when known, follows `Valid` and `Outdated`).
    pub fn label(self) -> &'static str {
        match self {
            SharedTokenState::Missing => "No shared token",
            SharedTokenState::OnDemand => "Fetched with client credentials when a bot asks",
            SharedTokenState::Valid => "Valid",
            SharedTokenState::Expired => "Expired: renewed on next use",
            SharedTokenState::Outdated => "Issued for the earlier settings",
            SharedTokenState::NeedsReauth => "Needs re-authorization",
        }
    }
}

impl Banner {
    /// What the banner says: what happened and the one thing that clears it.
    pub fn message(self, grant: GrantType) -> &'static str {
        match (self, grant.uses_consent()) {
            (Banner::NeedsReauth, _) => {
                "The provider no longer accepts the saved grant: authorize the shared token again to keep bots working."
            }
            (Banner::TokensOutdated, _) => {
                "Scopes or the client secret changed after the shared token was issued. Bots still get that token until it is authorized again: authorize the shared token."
            }
            (Banner::NotTested, true) => {
                "Not tested with its current settings: authorize the shared token, or test it from the editor's step 3."
            }
            (Banner::NotTested, false) => "Not tested with its current settings: test the connection.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ConnectionStatus::*;
    use GrantType::*;

    #[test]
    fn a_tested_connection_with_a_fresh_token_says_nothing() {
        let r = readiness(Ready, AuthorizationCode, false, Some(TokenState::Valid));
        assert_eq!(r, Readiness { shared_token: SharedTokenState::Valid, banner: None });
    }

    #[test]
    fn scopes_changed_over_a_shared_token_say_outdated_everywhere() {
        // The case: draft after the edit, the token still served: not "valid" in green.
        let r = readiness(Draft, AuthorizationCode, true, Some(TokenState::Valid));
        assert_eq!(r, Readiness { shared_token: SharedTokenState::Outdated, banner: Some(Banner::TokensOutdated) });
        // A test consent makes it ready but does not replace the shared token: still outdated.
        let r = readiness(Ready, AuthorizationCode, true, Some(TokenState::Expired));
        assert_eq!(r.banner, Some(Banner::TokensOutdated));
    }

    #[test]
    fn client_credentials_are_never_outdated_and_a_test_clears_the_banner() {
        let draft = readiness(Draft, ClientCredentials, true, Some(TokenState::Valid));
        assert_eq!(draft, Readiness { shared_token: SharedTokenState::OnDemand, banner: Some(Banner::NotTested) });
        assert_eq!(readiness(Ready, ClientCredentials, true, None).banner, None);
    }

    #[test]
    fn dropped_tokens_read_as_missing() {
        let r = readiness(Draft, AuthorizationCodePkce, false, None);
        assert_eq!(r, Readiness { shared_token: SharedTokenState::Missing, banner: Some(Banner::NotTested) });
    }

    #[test]
    fn a_refused_grant_comes_first() {
        let r = readiness(NeedsReauth, AuthorizationCode, true, Some(TokenState::NeedsReauth));
        assert_eq!(r, Readiness { shared_token: SharedTokenState::NeedsReauth, banner: Some(Banner::NeedsReauth) });
        assert_eq!(readiness(NeedsReauth, AuthorizationCode, false, None).banner, Some(Banner::NeedsReauth));
    }

    #[test]
    fn every_banner_names_what_clears_it() {
        for b in Banner::ALL {
            for g in GrantType::ALL {
                let m = b.message(g);
                assert!(m.contains("authorize") || m.contains("test"), "{m}");
            }
        }
    }
}
