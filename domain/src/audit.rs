//! What the audit log records: who acted (`ActorKind`), what they did (`AuditAction`), how it
//! ended (`Outcome`), and how the audit API filters actions. One enum per column, shared by the
//! worker that writes and reads the rows, the audit API's filter and the SPA's audit page.

use crate::validate::FieldError;

crate::text_enum! {
    pub enum ActorKind {
        User = "user",
        ApiKey = "api_key",
        System = "system",
        Anonymous = "anonymous",
    }
}

crate::text_enum! {
    /// Every action the product audits, named `<subject>.<verb>`; the names are stored in D1 and
    /// filtered on, so they are never renamed.
    pub enum AuditAction {
        SessionSignIn = "session.sign_in",
        SessionSignOut = "session.sign_out",
        UserBootstrapAdmin = "user.bootstrap_admin",
        UserCreate = "user.create",
        UserUpdate = "user.update",
        UserDeactivate = "user.deactivate",
        RoleCreate = "role.create",
        RoleUpdate = "role.update",
        RoleDelete = "role.delete",
        ApiKeyCreate = "api_key.create",
        ApiKeyRevoke = "api_key.revoke",
        ConnectionCreate = "connection.create",
        ConnectionUpdate = "connection.update",
        ConnectionDelete = "connection.delete",
        ConnectionInvite = "connection.invite",
        ConnectionTest = "connection.test",
        AuthorizeStart = "authorize.start",
        AuthorizeFinish = "authorize.finish",
        TokenIssue = "token.issue",
        TokenForceRefresh = "token.force_refresh",
        TokenForget = "token.forget",
        SubscriptionsUpdate = "subscriptions.update",
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
    pub enum Outcome {
        Success = "success",
        Failure = "failure",
    }
}

impl Outcome {
    pub fn of(success: bool) -> Outcome {
        if success { Outcome::Success } else { Outcome::Failure }
    }
}

/// The audit API's `action` filter: one action, or every action of a subject (`connection.`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionFilter {
    Exact(AuditAction),
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
        assert_eq!(AuditAction::ALL.len(), 22);
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
