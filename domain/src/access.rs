//! Why a person who may see a connection cannot use it, and whom they may ask
//! (`GET /api/v1/connections/{id}/access`). Use is by invite: a member of a role the connection is
//! shared with may use it; the people who manage connections decide who is invited.

crate::text_enum! {
    /// Why this person cannot use a connection they can see.
    pub enum UseRefusal {
        /// The connection is shared with no role yet.
        NotShared = "not_shared",
        /// It is shared, but with none of this person's roles.
        NotInvited = "not_invited",
    }
}

impl UseRefusal {
    /// What the connection's page tells the person.
    pub fn explain(self) -> &'static str {
        match self {
            UseRefusal::NotShared => {
                "You cannot use this connection: it is not shared with any role yet. Someone who manages connections can invite one of your roles."
            }
            UseRefusal::NotInvited => {
                "You cannot use this connection: none of your roles is invited to it. Someone who manages connections can invite one of your roles."
            }
        }
    }
}

/// Whether a person may use a connection shared with `invited_roles` roles, given whether they
/// are a member of one of them; `None` when they may.
pub fn use_refusal(invited_roles: usize, member_of_an_invited_role: bool) -> Option<UseRefusal> {
    match (member_of_an_invited_role, invited_roles) {
        (true, _) => None,
        (false, 0) => Some(UseRefusal::NotShared),
        (false, _) => Some(UseRefusal::NotInvited),
    }
}

/// The most people named as contacts: enough to reach someone, not a directory.
pub const MAX_CONTACTS: u32 = 5;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_may_use_and_others_are_told_why() {
        assert_eq!(use_refusal(2, true), None);
        assert_eq!(use_refusal(0, false), Some(UseRefusal::NotShared));
        assert_eq!(use_refusal(1, false), Some(UseRefusal::NotInvited));
        assert!(UseRefusal::NotInvited.explain().contains("none of your roles"));
    }
}
