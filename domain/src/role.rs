//! Rules for custom roles: names (unique, not a system role's), descriptions, permissions.

use crate::api::{CreateRoleRequest, UpdateRoleRequest};
use crate::permission::{Permission, SystemRole};
use crate::user::dedup;
use crate::validate::{self, DESCRIPTION_MAX_CHARS, FieldError};

/// A validated new custom role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRole {
    /// Trimmed, folded, not a system role's name.
    pub name: String,
    /// Trimmed; may be empty.
    pub description: String,
    /// Without repeats.
    pub permissions: Vec<Permission>,
    /// Without repeats, in the order given.
    pub member_ids: Vec<String>,
}

/// Validate a new custom role.
pub fn validate_create(request: &CreateRoleRequest) -> Result<NewRole, FieldError> {
    Ok(NewRole {
        name: role_name(&request.name)?,
        description: validate::optional_text("description", &request.description, DESCRIPTION_MAX_CHARS)?,
        permissions: permissions(&request.permissions)?,
        member_ids: dedup(&request.member_ids),
    })
}

/// A validated change to a role; `None` leaves a field as it is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RoleChange {
    /// The new name, as `NewRole::name`.
    pub name: Option<String>,
    /// The new description.
    pub description: Option<String>,
    /// The new permissions, replacing the old.
    pub permissions: Option<Vec<Permission>>,
    /// The new members, replacing the old.
    pub member_ids: Option<Vec<String>>,
}

/// Validate a change to a role (system roles keep their name and permissions: the worker checks).
pub fn validate_update(request: &UpdateRoleRequest) -> Result<RoleChange, FieldError> {
    Ok(RoleChange {
        name: request.name.as_deref().map(role_name).transpose()?,
        description: request
            .description
            .as_deref()
            .map(|d| validate::optional_text("description", d, DESCRIPTION_MAX_CHARS))
            .transpose()?,
        permissions: request.permissions.as_deref().map(permissions).transpose()?,
        member_ids: request.member_ids.as_deref().map(dedup),
    })
}

/// Whose access a committed change to a role may have changed, so whose keys' gates and vaults
/// are reset and whose consents in flight end: with new permissions, every member before or
/// after it; with new members only, those who joined or left; a new name or description changes
/// nobody's (a rename of a role with thousands of bots resets nothing).
pub fn people_affected(members_before: &[String], change: &RoleChange) -> Vec<String> {
    let after = change.member_ids.as_deref();
    let mut affected: Vec<String> = if change.permissions.is_some() {
        members_before.iter().chain(after.into_iter().flatten()).cloned().collect()
    } else {
        let after = after.unwrap_or(members_before);
        let left = members_before.iter().filter(|m| !after.contains(m));
        left.chain(after.iter().filter(|m| !members_before.contains(m))).cloned().collect()
    };
    affected.sort_unstable();
    affected.dedup();
    affected
}

/// A custom role's name: a valid name that is not a system role's, whatever the case.
pub fn role_name(value: &str) -> Result<String, FieldError> {
    let name = validate::name("name", value)?;
    let key = validate::name_key(&name);
    if [SystemRole::Admin, SystemRole::User].iter().any(|r| validate::name_key(r.name()) == key) {
        return Err(FieldError::new("name", "reserved", "That name belongs to a system role."));
    }
    Ok(name)
}

/// Parse permission names; an unknown one is an error, repeats are dropped.
pub fn permissions(values: &[String]) -> Result<Vec<Permission>, FieldError> {
    let mut out = Vec::new();
    for value in values {
        let permission = Permission::parse(value).ok_or_else(|| {
            FieldError::new("permissions", "unknown_permission", format!("Unknown permission {value:?}."))
        })?;
        if !out.contains(&permission) {
            out.push(permission);
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_change_of_members_or_permissions_affects_anyone() {
        let before = vec!["a".to_string(), "b".to_string()];
        let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let renamed = RoleChange { name: Some("New".into()), description: Some("d".into()), ..RoleChange::default() };
        assert!(people_affected(&before, &renamed).is_empty());
        let members = RoleChange { member_ids: Some(ids(&["b", "c"])), ..RoleChange::default() };
        assert_eq!(people_affected(&before, &members), ids(&["a", "c"]), "who left and who joined");
        let same = RoleChange { member_ids: Some(ids(&["b", "a"])), ..RoleChange::default() };
        assert!(people_affected(&before, &same).is_empty());
        let rights = RoleChange { permissions: Some(vec![]), ..RoleChange::default() };
        assert_eq!(people_affected(&before, &rights), ids(&["a", "b"]));
        let both = RoleChange { permissions: Some(vec![]), member_ids: Some(ids(&["c"])), ..RoleChange::default() };
        assert_eq!(people_affected(&before, &both), ids(&["a", "b", "c"]));
    }

    #[test]
    fn a_valid_role_is_normalised() {
        let role = validate_create(&CreateRoleRequest {
            name: "  Sales   Ops ".into(),
            description: " Runs the CRM bots ".into(),
            permissions: vec!["connections.manage".into(), "connections.view".into(), "connections.manage".into()],
            member_ids: vec!["u1".into(), "u1".into()],
        })
        .unwrap();
        assert_eq!(role.name, "Sales Ops");
        assert_eq!(role.description, "Runs the CRM bots");
        assert_eq!(role.permissions, vec![Permission::ConnectionsView, Permission::ConnectionsManage]);
        assert_eq!(role.member_ids, vec!["u1".to_string()]);
    }

    #[test]
    fn system_role_names_are_reserved_in_any_case() {
        for name in ["Admin", "admin", " USER "] {
            assert_eq!(role_name(name).unwrap_err().code, "reserved", "{name}");
        }
        assert!(role_name("Admins").is_ok());
    }

    #[test]
    fn unknown_permissions_are_refused() {
        let error = permissions(&["connections.delete".into()]).unwrap_err();
        assert_eq!((error.field.as_str(), error.code.as_str()), ("permissions", "unknown_permission"));
        assert_eq!(permissions(&[]).unwrap(), vec![]);
    }

    #[test]
    fn updates_validate_present_fields_only() {
        assert_eq!(validate_update(&UpdateRoleRequest::default()).unwrap(), RoleChange::default());
        let bad = UpdateRoleRequest { name: Some("user".into()), ..Default::default() };
        assert_eq!(validate_update(&bad).unwrap_err().code, "reserved");
        let long = UpdateRoleRequest { description: Some("x".repeat(501)), ..Default::default() };
        assert_eq!(validate_update(&long).unwrap_err().field, "description");
    }
}
