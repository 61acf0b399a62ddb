//! The rules that keep the product administrable, in one place for the users and roles routes:
//! someone active must always hold the Admin role; nobody deactivates themselves; and a bot key,
//! which acts for its owner but is not its owner, never changes its owner's password (it would
//! turn itself into a session), roles or active flag.
//!
//! "Someone active keeps the Admin role" depends on every other person, so it is not decided from
//! one read: a change that could break it gets `Guard::KeepAnActiveAdmin`, and the worker adds a
//! statement to the change's own D1 batch that fails the batch when, after it, no active admin
//! is left. Two admins demoting each other at the same moment cannot both succeed.

use crate::error::ErrorCode;

/// Who asks for the change.
#[derive(Debug, Clone, Copy)]
pub struct Asker<'a> {
    /// The person asking, or the owner of the bot key asking.
    pub user_id: &'a str,
    /// A bot key acting for `user_id`.
    pub is_bot: bool,
}

/// What a change to one person does, as far as these rules care.
#[derive(Debug, Clone, Copy, Default)]
pub struct PersonChange {
    /// The change sets a password.
    pub sets_password: bool,
    /// The change sets the role list.
    pub sets_roles: bool,
    /// The change sets the active flag (either way).
    pub sets_active: bool,
    /// The person ends up inactive (deactivation by PATCH or DELETE).
    pub deactivates: bool,
    /// The person's new role list leaves out the Admin role.
    pub drops_admin: bool,
}

/// What the write must carry for the rules to hold at commit time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    /// Nothing: the change cannot leave the product without an admin.
    None,
    /// The batch must fail if no active admin is left after it.
    KeepAnActiveAdmin,
}

/// Why a change is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// A bot key tried to change its own owner's password, roles or active flag.
    BotChangesOwner,
    /// Someone tried to deactivate themselves.
    DeactivatesSelf,
    /// No active admin would be left (`Guard::KeepAnActiveAdmin` failed).
    LastAdmin,
}

impl Refusal {
    /// The API error code.
    pub fn code(self) -> ErrorCode {
        match self {
            Refusal::BotChangesOwner => ErrorCode::Forbidden,
            Refusal::DeactivatesSelf | Refusal::LastAdmin => ErrorCode::Conflict,
        }
    }

    /// Words for the person.
    pub fn message(self) -> &'static str {
        match self {
            Refusal::BotChangesOwner => "a bot key may not change its own owner's password, roles or active flag",
            Refusal::DeactivatesSelf => "you cannot deactivate yourself",
            Refusal::LastAdmin => "someone active must keep the Admin role",
        }
    }

    /// The request field the refusal is about, if one.
    pub fn field(self) -> Option<&'static str> {
        match self {
            Refusal::DeactivatesSelf => Some("active"),
            Refusal::BotChangesOwner | Refusal::LastAdmin => None,
        }
    }
}

/// Judge a change to person `target_id` (who holds the Admin role now when `target_is_admin`).
pub fn judge_person(
    asker: Asker<'_>,
    target_id: &str,
    target_is_admin: bool,
    change: PersonChange,
) -> Result<Guard, Refusal> {
    let own = asker.user_id == target_id;
    if own && asker.is_bot && (change.sets_password || change.sets_roles || change.sets_active) {
        return Err(Refusal::BotChangesOwner);
    }
    if own && change.deactivates {
        return Err(Refusal::DeactivatesSelf);
    }
    if target_is_admin && (change.deactivates || change.drops_admin) {
        return Ok(Guard::KeepAnActiveAdmin);
    }
    Ok(Guard::None)
}

/// Judge a new member list for a role: replacing the Admin role's members can leave no admin.
pub fn judge_members(is_admin_role: bool) -> Guard {
    if is_admin_role { Guard::KeepAnActiveAdmin } else { Guard::None }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: &str = "u-me";
    const OTHER: &str = "u-other";

    fn person(asker: Asker<'_>, target: &str, admin: bool, change: PersonChange) -> Result<Guard, Refusal> {
        judge_person(asker, target, admin, change)
    }

    #[test]
    fn nobody_deactivates_themselves() {
        let change = PersonChange { sets_active: true, deactivates: true, ..PersonChange::default() };
        let me = Asker { user_id: ME, is_bot: false };
        assert_eq!(person(me, ME, false, change), Err(Refusal::DeactivatesSelf));
        assert_eq!(person(me, ME, true, change), Err(Refusal::DeactivatesSelf));
        assert_eq!(person(me, OTHER, false, change), Ok(Guard::None));
        assert_eq!(Refusal::DeactivatesSelf.field(), Some("active"));
    }

    #[test]
    fn a_bot_key_never_changes_its_owner_s_password_roles_or_active_flag() {
        let bot = Asker { user_id: ME, is_bot: true };
        for change in [
            PersonChange { sets_password: true, ..PersonChange::default() },
            PersonChange { sets_roles: true, ..PersonChange::default() },
            PersonChange { sets_active: true, ..PersonChange::default() },
        ] {
            assert_eq!(person(bot, ME, true, change), Err(Refusal::BotChangesOwner));
            assert_eq!(Refusal::BotChangesOwner.code(), ErrorCode::Forbidden);
        }
        // Its owner's display name, and other people (the owner is an admin), are fine.
        assert_eq!(person(bot, ME, true, PersonChange::default()), Ok(Guard::None));
        let password = PersonChange { sets_password: true, ..PersonChange::default() };
        assert_eq!(person(bot, OTHER, false, password), Ok(Guard::None));
    }

    #[test]
    fn removing_an_admin_is_guarded_at_commit() {
        let me = Asker { user_id: ME, is_bot: false };
        let demote = PersonChange { sets_roles: true, drops_admin: true, ..PersonChange::default() };
        let deactivate = PersonChange { sets_active: true, deactivates: true, ..PersonChange::default() };
        assert_eq!(person(me, OTHER, true, demote), Ok(Guard::KeepAnActiveAdmin));
        assert_eq!(person(me, OTHER, true, deactivate), Ok(Guard::KeepAnActiveAdmin));
        // Demoting oneself is allowed while someone else stays admin: the guard decides.
        assert_eq!(person(me, ME, true, demote), Ok(Guard::KeepAnActiveAdmin));
        // People who are not admins cannot take the last admin away.
        assert_eq!(person(me, OTHER, false, deactivate), Ok(Guard::None));
        assert_eq!(person(me, OTHER, false, demote), Ok(Guard::None));
        assert_eq!(Refusal::LastAdmin.code(), ErrorCode::Conflict);
    }

    #[test]
    fn only_the_admin_role_s_members_are_guarded() {
        assert_eq!(judge_members(true), Guard::KeepAnActiveAdmin);
        assert_eq!(judge_members(false), Guard::None);
    }
}
