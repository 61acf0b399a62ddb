//! Rules for people records: what a valid new user or user change is.

use crate::api::{CreateUserRequest, UpdateUserRequest};
use crate::secret::Secret;
use crate::validate::{self, DISPLAY_NAME_MAX_CHARS, FieldError};

/// A validated new user: normalised email, trimmed name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    /// Trimmed and lower-cased: the key for uniqueness and sign-in.
    pub email: String,
    /// Trimmed.
    pub display_name: String,
    /// Without repeats, in the order given (the worker adds the User role).
    pub role_ids: Vec<String>,
}

/// Check a new user: email, display name, and a password that passes the policy and does not
/// contain the email.
pub fn validate_create(request: &CreateUserRequest) -> Result<NewUser, FieldError> {
    let email = validate::email("email", &request.email)?;
    let display_name = validate::required_text("display_name", &request.display_name, DISPLAY_NAME_MAX_CHARS)?;
    validate::password("password", request.password.expose(), Some(&email))?;
    Ok(NewUser { email, display_name, role_ids: dedup(&request.role_ids) })
}

/// A validated change; `email` is the user's current one (the password must not contain it).
#[derive(Debug, Clone, Default)]
pub struct UserChange {
    /// The new display name, trimmed.
    pub display_name: Option<String>,
    /// The new password, checked against the policy.
    pub password: Option<Secret>,
    /// Activate or deactivate.
    pub active: Option<bool>,
    /// The new roles, replacing the old, without repeats.
    pub role_ids: Option<Vec<String>>,
}

/// Check a change to the user whose current email is `email`; absent fields stay `None`.
pub fn validate_update(request: &UpdateUserRequest, email: &str) -> Result<UserChange, FieldError> {
    let display_name = request
        .display_name
        .as_deref()
        .map(|n| validate::required_text("display_name", n, DISPLAY_NAME_MAX_CHARS))
        .transpose()?;
    if let Some(password) = &request.password {
        validate::password("password", password.expose(), Some(email))?;
    }
    Ok(UserChange {
        display_name,
        password: request.password.clone(),
        active: request.active,
        role_ids: request.role_ids.as_deref().map(dedup),
    })
}

/// Ids in first-seen order without repeats.
pub fn dedup(ids: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(ids.len());
    for id in ids {
        let id = id.trim();
        if !id.is_empty() && !out.iter().any(|o| o == id) {
            out.push(id.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> CreateUserRequest {
        CreateUserRequest {
            email: " Grace@Example.com ".into(),
            display_name: " Grace Hopper ".into(),
            password: "compilers are friends".into(),
            role_ids: vec!["r1".into(), "r1".into(), " ".into(), "r2".into()],
        }
    }

    #[test]
    fn a_valid_user_is_normalised() {
        let user = validate_create(&request()).unwrap();
        assert_eq!(user.email, "grace@example.com");
        assert_eq!(user.display_name, "Grace Hopper");
        assert_eq!(user.role_ids, vec!["r1".to_string(), "r2".to_string()]);
    }

    #[test]
    fn each_field_is_checked_with_its_name() {
        let mut r = request();
        r.email = "nope".into();
        assert_eq!(validate_create(&r).unwrap_err().field, "email");
        let mut r = request();
        r.display_name = "  ".into();
        assert_eq!(validate_create(&r).unwrap_err().field, "display_name");
        let mut r = request();
        r.password = "short".into();
        assert_eq!(validate_create(&r).unwrap_err().field, "password");
    }

    #[test]
    fn updates_check_only_what_is_present() {
        let empty = validate_update(&UpdateUserRequest::default(), "a@b.co").unwrap();
        let UserChange { display_name, password, active, role_ids } = empty;
        assert!(display_name.is_none() && password.is_none() && active.is_none() && role_ids.is_none());
        let bad = UpdateUserRequest { password: Some("tiny".into()), ..Default::default() };
        assert_eq!(validate_update(&bad, "a@b.co").unwrap_err().field, "password");
        let blank = UpdateUserRequest { display_name: Some(" ".into()), ..Default::default() };
        assert_eq!(validate_update(&blank, "a@b.co").unwrap_err().field, "display_name");
        let off = UpdateUserRequest { active: Some(false), ..Default::default() };
        assert_eq!(validate_update(&off, "a@b.co").unwrap().active, Some(false));
    }
}
