//! Who may do what (ARCHITECTURE.md): feature permissions granted by roles, and the checks every
//! endpoint asks of a principal.

use serde::{Deserialize, Serialize};

crate::text_enum! {
    /// A feature permission a role can grant. Wire names are a contract.
    #[derive(PartialOrd, Ord)]
    pub enum Permission {
        /// See the list and settings of every connection (never a secret or a token).
        ConnectionsView = "connections.view",
        /// Create, edit, delete, test and invite roles to connections; implies view.
        ConnectionsManage = "connections.manage",
    }
}

impl Permission {
    /// What the role editor shows next to the checkbox.
    pub fn label(self) -> &'static str {
        match self {
            Permission::ConnectionsView => "View OAuth connections",
            Permission::ConnectionsManage => "Manage OAuth connections",
        }
    }
}

/// The two roles every installation has; they cannot be renamed or deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SystemRole {
    /// Every permission, and the admin pages (users, roles, audit).
    Admin,
    /// Everyone's role: may view connections.
    User,
}

impl SystemRole {
    /// The role's fixed id: `role-admin` or `role-user`.
    pub fn id(self) -> &'static str {
        match self {
            SystemRole::Admin => "role-admin",
            SystemRole::User => "role-user",
        }
    }

    /// The role's fixed name; no custom role may take it.
    pub fn name(self) -> &'static str {
        match self {
            SystemRole::Admin => "Admin",
            SystemRole::User => "User",
        }
    }

    /// The system role with this id; `None` for a custom role.
    pub fn from_id(id: &str) -> Option<SystemRole> {
        [SystemRole::Admin, SystemRole::User].into_iter().find(|r| r.id() == id)
    }

    /// Admin has everything; every user may see connections (DEVELOPERS.md: "everyone else can
    /// see it but not use it").
    pub fn permissions(self) -> Vec<Permission> {
        match self {
            SystemRole::Admin => Permission::ALL.to_vec(),
            SystemRole::User => vec![Permission::ConnectionsView],
        }
    }
}

/// A signed-in person, or a bot key acting with its owner's rights.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grants {
    /// Holds the Admin role.
    pub is_admin: bool,
    /// Sorted, without duplicates.
    pub permissions: Vec<Permission>,
}

impl Grants {
    /// Combine what a user's roles grant: the union of their permissions; Admin grants all.
    pub fn from_roles<'a>(roles: impl IntoIterator<Item = (&'a str, &'a [Permission])>) -> Grants {
        let mut is_admin = false;
        let mut permissions = Vec::new();
        for (role_id, granted) in roles {
            is_admin |= role_id == SystemRole::Admin.id();
            permissions.extend_from_slice(granted);
        }
        if is_admin {
            permissions = Permission::ALL.to_vec();
        }
        permissions.sort();
        permissions.dedup();
        Grants { is_admin, permissions }
    }

    /// Whether `permission` is granted (admins have every one).
    pub fn has(&self, permission: Permission) -> bool {
        self.is_admin || self.permissions.contains(&permission)
    }

    /// Manage implies view: who can change a connection can see it.
    pub fn can_view_connections(&self) -> bool {
        self.has(Permission::ConnectionsView) || self.has(Permission::ConnectionsManage)
    }

    /// Whether connections may be created, edited, deleted, tested and shared.
    pub fn can_manage_connections(&self) -> bool {
        self.has(Permission::ConnectionsManage)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip() {
        for p in Permission::ALL {
            assert_eq!(serde_json::to_string(&p).unwrap(), format!("\"{}\"", p.as_str()));
            assert_eq!(Permission::parse(p.as_str()), Some(p));
        }
        assert_eq!(Permission::parse("connections.delete"), None);
    }

    #[test]
    fn admin_role_grants_everything() {
        let grants = Grants::from_roles([(SystemRole::Admin.id(), &[][..])]);
        assert!(grants.is_admin);
        assert!(grants.can_manage_connections());
        assert_eq!(grants.permissions, Permission::ALL.to_vec());
    }

    #[test]
    fn custom_roles_union_without_duplicates() {
        let view = [Permission::ConnectionsView];
        let both = [Permission::ConnectionsManage, Permission::ConnectionsView];
        let grants = Grants::from_roles([("r1", &view[..]), ("r2", &both[..])]);
        assert!(!grants.is_admin);
        assert_eq!(grants.permissions, vec![Permission::ConnectionsView, Permission::ConnectionsManage]);
    }

    #[test]
    fn no_roles_grant_nothing() {
        let grants = Grants::from_roles([]);
        assert!(!grants.can_view_connections());
        assert!(!grants.can_manage_connections());
    }

    #[test]
    fn manage_implies_view() {
        let manage = [Permission::ConnectionsManage];
        let grants = Grants::from_roles([("r", &manage[..])]);
        assert!(grants.can_view_connections());
    }

    #[test]
    fn system_roles_are_recognised_by_id() {
        assert_eq!(SystemRole::from_id("role-admin"), Some(SystemRole::Admin));
        assert_eq!(SystemRole::from_id("role-user"), Some(SystemRole::User));
        assert_eq!(SystemRole::from_id("custom"), None);
        assert_eq!(SystemRole::User.permissions(), vec![Permission::ConnectionsView]);
    }
}
