//! What the audit log records: who acted (`ActorKind`), what they did (`AuditAction`), how it
//! ended (`Outcome`), and how the audit API filters actions. One enum per column, shared by the
//! worker that writes and reads the rows, the audit API's filter and the SPA's audit page.

use crate::validate::FieldError;

crate::text_enum! {
    /// Who acted; says what `actor_id` is the id of.
    pub enum ActorKind {
        /// A person in a browser session; `actor_id` is the user's id.
        User = "user",
        /// A bot key; `actor_id` is the key's id (acting with its owner's rights).
        ApiKey = "api_key",
        /// The product itself (the first-admin bootstrap); no `actor_id`.
        System = "system",
        /// Nobody signed in (a failed sign-in); no `actor_id`.
        Anonymous = "anonymous",
    }
}

crate::text_enum! {
    /// What an audited action was done to; says what `target_id` is the id of.
    pub enum TargetKind {
        /// A connection (its id).
        Connection = "connection",
        /// A person (their user id).
        User = "user",
        /// A role.
        Role = "role",
        /// A bot key.
        ApiKey = "api_key",
        /// A webhook endpoint.
        Webhook = "webhook",
        /// A key of the encryption key ring (its id), made the active one.
        EncryptionKey = "encryption_key",
    }
}

crate::text_enum! {
    /// Every action the product audits, named `<subject>.<verb>`; the names are stored in D1 and
    /// filtered on, so they are never renamed.
    pub enum AuditAction {
        /// A sign-in attempt, successful or not (a failure names the reason in `detail`).
        SessionSignIn = "session.sign_in",
        /// A person signed out.
        SessionSignOut = "session.sign_out",
        /// The first admin was created through `POST /api/v1/bootstrap`.
        UserBootstrapAdmin = "user.bootstrap_admin",
        /// An admin created a user.
        UserCreate = "user.create",
        /// An admin changed a user's name, password, roles or active flag.
        UserUpdate = "user.update",
        /// An admin deactivated a user (`DELETE /api/v1/users/{id}`).
        UserDeactivate = "user.deactivate",
        /// An admin created a custom role.
        RoleCreate = "role.create",
        /// An admin changed a role's name, description, permissions or members.
        RoleUpdate = "role.update",
        /// An admin deleted a custom role.
        RoleDelete = "role.delete",
        /// A person created a bot key.
        ApiKeyCreate = "api_key.create",
        /// A person revoked a bot key.
        ApiKeyRevoke = "api_key.revoke",
        /// A connection was created.
        ConnectionCreate = "connection.create",
        /// A connection's settings were edited.
        ConnectionUpdate = "connection.update",
        /// A connection was deleted.
        ConnectionDelete = "connection.delete",
        /// The roles invited to use a connection were set.
        ConnectionInvite = "connection.invite",
        /// A client-credentials connection was tested (`POST …/test`).
        ConnectionTest = "connection.test",
        /// A consent was started (`POST …/authorize`).
        AuthorizeStart = "authorize.start",
        /// A consent came back to the callback, with a token or a refusal.
        AuthorizeFinish = "authorize.finish",
        /// The token API was asked for a token (tallied: one row stands for repeats).
        TokenIssue = "token.issue",
        /// The token API was asked with `force_refresh`; `detail` says whether it refreshed.
        TokenForceRefresh = "token.force_refresh",
        /// A call went through the token-free proxy (tallied per caller, connection, method and
        /// status class; never a path, query or body).
        TokenProxy = "token.proxy",
        /// A person deleted their own token of a connection.
        TokenForget = "token.forget",
        /// A dropped token was sent to the provider's revocation endpoint (RFC 7009); `detail`
        /// has the provider's HTTP status, the attempt and whether it will be tried again.
        TokenRevoke = "token.revoke",
        /// A person changed which notification kinds they receive.
        SubscriptionsUpdate = "subscriptions.update",
        /// An admin re-encrypted sealed values under the active key (`POST /api/v1/admin/encryption/rotate`).
        EncryptionRotate = "encryption.rotate",
        /// An admin registered a webhook endpoint.
        WebhookCreate = "webhook.create",
        /// An admin changed a webhook endpoint's URL, events or enabled flag.
        WebhookUpdate = "webhook.update",
        /// An admin deleted a webhook endpoint.
        WebhookDelete = "webhook.delete",
        /// An admin rolled a webhook endpoint's signing secret.
        WebhookRollSecret = "webhook.roll_secret",
        /// The product disabled a webhook endpoint that failed every attempt of a message.
        WebhookDisable = "webhook.disable",
        /// An admin sent a test event or redelivered a message.
        WebhookSend = "webhook.send",
    }
}

impl AuditAction {
    /// The subject part with its dot (`connection.`): what a group filter names.
    pub fn group(self) -> &'static str {
        let name = self.as_str();
        name.find('.').map_or(name, |dot| &name[..=dot])
    }
}

crate::text_enum! {
    /// How an audited action ended.
    pub enum Outcome {
        /// It was done.
        Success = "success",
        /// It was refused or failed; `detail` says why where it can.
        Failure = "failure",
    }
}

impl Outcome {
    /// `Success` when `success`, else `Failure`.
    pub fn of(success: bool) -> Outcome {
        if success { Outcome::Success } else { Outcome::Failure }
    }
}

/// The audit API's `action` filter: one action, or every action of a subject (`connection.`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionFilter {
    /// `?action=connection.create`: that action only.
    Exact(AuditAction),
    /// `?action=connection.`: every action of that subject (the text up to and with the dot).
    Group(&'static str),
}

impl ActionFilter {
    /// Read `?action=`; a name or group the product never records is a field error, so a typo
    /// does not pass for "no events".
    pub fn parse(text: &str) -> Result<ActionFilter, FieldError> {
        let text = text.trim();
        if let Some(action) = AuditAction::parse(text) {
            return Ok(ActionFilter::Exact(action));
        }
        AuditAction::ALL.iter().map(|a| a.group()).find(|g| *g == text).map(ActionFilter::Group).ok_or_else(|| {
            FieldError::new("action", "unknown_action", format!("no audited action is named \u{201c}{text}\u{201d}"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_action_names_stay_as_they_are() {
        // Rows in D1 carry these names: a rename would orphan them.
        assert_eq!(AuditAction::SessionSignIn.as_str(), "session.sign_in");
        assert_eq!(AuditAction::TokenForceRefresh.as_str(), "token.force_refresh");
        assert_eq!(AuditAction::UserBootstrapAdmin.as_str(), "user.bootstrap_admin");
        assert_eq!(AuditAction::ALL.len(), 31);
        assert_eq!(AuditAction::TokenRevoke.as_str(), "token.revoke");
        assert_eq!(AuditAction::EncryptionRotate.as_str(), "encryption.rotate");
        for action in AuditAction::ALL {
            let (subject, verb) = action.as_str().split_once('.').unwrap();
            assert!(!subject.is_empty() && !verb.is_empty() && !verb.contains('.'), "{action}");
            assert_eq!(action.group(), format!("{subject}."));
        }
    }

    #[test]
    fn filters_are_an_action_or_a_known_group() {
        assert_eq!(ActionFilter::parse("token.issue"), Ok(ActionFilter::Exact(AuditAction::TokenIssue)));
        assert_eq!(ActionFilter::parse("connection."), Ok(ActionFilter::Group("connection.")));
        for wrong in ["token.steal", "conn", "nothing.", ".", "connection"] {
            let error = ActionFilter::parse(wrong).unwrap_err();
            assert_eq!((error.field.as_str(), error.code.as_str()), ("action", "unknown_action"), "{wrong}");
        }
    }

    #[test]
    fn outcomes_and_actors_read_as_stored() {
        assert_eq!(Outcome::of(true).as_str(), "success");
        assert_eq!(Outcome::of(false).as_str(), "failure");
        assert_eq!(ActorKind::parse("api_key"), Some(ActorKind::ApiKey));
        assert_eq!(ActorKind::parse("robot"), None);
    }
}
