//! Notification kinds people can subscribe to, and their wording.

use crate::connection::GrantType;

crate::text_enum! {
    /// What a notification is about; people opt out of kinds in their subscriptions.
    pub enum NotificationKind {
        /// A connection was shared with one of my roles.
        ConnectionShared = "connection_shared",
        /// A connection (its shared token, or my token) needs a new consent.
        ConnectionNeedsReauth = "connection_needs_reauth",
        /// A connection I could use was deleted.
        ConnectionDeleted = "connection_deleted",
        /// A refresh of my token (or a shared token I manage) was refused by the provider.
        TokenRefreshFailed = "token_refresh_failed",
        /// A webhook endpoint kept failing and was disabled (admins).
        WebhookDisabled = "webhook_disabled",
    }
}

impl NotificationKind {
    /// The subscription checkbox label.
    pub fn label(self) -> &'static str {
        match self {
            NotificationKind::ConnectionShared => "A connection is shared with me",
            NotificationKind::ConnectionNeedsReauth => "A connection needs re-authorization",
            NotificationKind::ConnectionDeleted => "A connection I use is deleted",
            NotificationKind::TokenRefreshFailed => "A token refresh fails",
            NotificationKind::WebhookDisabled => "A webhook endpoint is disabled (admins)",
        }
    }

    /// The notification's title for a connection name.
    pub fn title(self, connection: &str) -> String {
        match self {
            NotificationKind::ConnectionShared => format!("{connection} was shared with you"),
            NotificationKind::ConnectionNeedsReauth => format!("{connection} needs re-authorization"),
            NotificationKind::ConnectionDeleted => format!("{connection} was deleted"),
            NotificationKind::TokenRefreshFailed => format!("A token refresh for {connection} failed"),
            NotificationKind::WebhookDisabled => format!("The webhook endpoint {connection} was disabled"),
        }
    }

    /// The notification's text under its title: what it means and what to do, for a connection
    /// with this grant (a client-credentials connection has nothing for a person to authorize).
    pub fn body(self, grant: GrantType) -> &'static str {
        match self {
            NotificationKind::ConnectionShared if !grant.uses_consent() => {
                "You may use it now: bots acting for you get its token; there is nothing to authorize."
            }
            NotificationKind::ConnectionShared => {
                "You may use it now. Authorize your own token under My connections if a bot acts as you."
            }
            NotificationKind::ConnectionNeedsReauth => {
                "The provider no longer accepts the saved grant. Authorize it again to keep bots working."
            }
            NotificationKind::ConnectionDeleted => "Bots that used it will fail until they use another connection.",
            NotificationKind::TokenRefreshFailed => {
                "The provider refused the refresh; bots get an error until it is fixed."
            }
            NotificationKind::WebhookDisabled => {
                "Every attempt of a delivery failed for more than a day. Fix the receiver, enable it again under Webhooks and redeliver what failed."
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_read_well() {
        for kind in NotificationKind::ALL {
            assert_eq!(NotificationKind::parse(kind.as_str()), Some(kind));
            assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{}\"", kind.as_str()));
            assert!(kind.title("CRM").contains("CRM"));
            for grant in GrantType::ALL {
                assert!(!kind.body(grant).is_empty());
            }
        }
        assert_eq!(NotificationKind::parse("spam"), None);
    }

    #[test]
    fn client_credentials_shares_ask_nobody_to_authorize() {
        let shared = NotificationKind::ConnectionShared;
        assert!(shared.body(GrantType::AuthorizationCode).contains("Authorize your own token"));
        assert!(!shared.body(GrantType::ClientCredentials).contains("uthorize your"));
    }
}
