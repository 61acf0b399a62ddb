//! Field rules shared by the SPA (messages under fields) and the worker (`validation_failed`):
//! the same function decides in both places.

use serde::{Deserialize, Serialize};

/// One wrong field: which, a stable code, and words for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The wire name of the field (`placeholders.yourinstance` for nested ones).
    pub field: String,
    /// The rule's stable code (`required`, `invalid_email`, …), the API's `reason`.
    pub code: String,
    /// Words for the person filling in the form.
    pub message: String,
}

impl FieldError {
    /// An error about `field` under rule `code`.
    pub fn new(field: &str, code: &str, message: impl Into<String>) -> Self {
        FieldError { field: field.to_string(), code: code.to_string(), message: message.into() }
    }
}

/// Shortest password accepted.
pub const PASSWORD_MIN_CHARS: usize = 12;
/// Bounded so one sign-in cannot make the hash arbitrarily expensive.
pub const PASSWORD_MAX_CHARS: usize = 128;
/// Longest name of a role, connection or key.
pub const NAME_MAX_CHARS: usize = 64;
/// Longest display name of a person.
pub const DISPLAY_NAME_MAX_CHARS: usize = 100;
/// Longest description.
pub const DESCRIPTION_MAX_CHARS: usize = 500;

/// An email address as people type it: trimmed, one `@`, a dotted domain, no spaces.
/// Returns the normalised (lower-case) form used for uniqueness and sign-in.
pub fn email(field: &str, value: &str) -> Result<String, FieldError> {
    let value = value.trim();
    let invalid = || FieldError::new(field, "invalid_email", "Enter an email address like name@example.com.");
    if value.is_empty() {
        return Err(FieldError::new(field, "required", "Email is required."));
    }
    if value.chars().count() > 254 || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid());
    }
    let (local, domain) = value.split_once('@').ok_or_else(invalid)?;
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !domain.contains('@');
    if local.is_empty() || local.len() > 64 || !domain_ok {
        return Err(invalid());
    }
    Ok(value.to_lowercase())
}

/// The password rule as forms state it up front, before anyone breaks it (`password`).
pub const PASSWORD_RULE: &str =
    "At least 12 characters, without the email address or its part before the @; a passphrase is best.";

/// Password policy (NIST SP 800-63B): length is what counts; no composition rules.
pub fn password(field: &str, value: &str, email: Option<&str>) -> Result<(), FieldError> {
    let chars = value.chars().count();
    if chars < PASSWORD_MIN_CHARS {
        return Err(FieldError::new(field, "too_short", format!("Use at least {PASSWORD_MIN_CHARS} characters.")));
    }
    if chars > PASSWORD_MAX_CHARS {
        return Err(FieldError::new(field, "too_long", format!("Use at most {PASSWORD_MAX_CHARS} characters.")));
    }
    if value.trim().is_empty() {
        return Err(FieldError::new(field, "too_weak", "A password cannot be only spaces."));
    }
    let lower = value.to_lowercase();
    if email.is_some_and(|e| {
        lower.contains(&e.to_lowercase())
            || e.split('@').next().is_some_and(|l| l.len() >= 4 && lower.contains(&l.to_lowercase()))
    }) {
        return Err(FieldError::new(field, "too_weak", "The password must not contain the email address."));
    }
    if value.chars().all(|c| value.starts_with(c)) {
        return Err(FieldError::new(field, "too_weak", "A password cannot repeat one character."));
    }
    Ok(())
}

/// A required single-line text: trimmed, non-empty, at most `max` characters, no control chars.
pub fn required_text(field: &str, value: &str, max: usize) -> Result<String, FieldError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(FieldError::new(field, "required", "This field is required."));
    }
    optional_text(field, value, max)
}

/// An optional text: trimmed, at most `max` characters, no control chars except newlines.
pub fn optional_text(field: &str, value: &str, max: usize) -> Result<String, FieldError> {
    let value = value.trim();
    if value.chars().count() > max {
        return Err(FieldError::new(field, "too_long", format!("Use at most {max} characters.")));
    }
    if value.chars().any(|c| c.is_control() && c != '\n') {
        return Err(FieldError::new(field, "invalid_characters", "Remove control characters."));
    }
    Ok(value.to_string())
}

/// Names of custom roles, connections and API keys: letters, digits, spaces and `-_.()&/`,
/// starting with a letter or digit. Returns the trimmed name with inner runs of spaces folded.
pub fn name(field: &str, value: &str) -> Result<String, FieldError> {
    let folded = value.split_whitespace().collect::<Vec<_>>().join(" ");
    let folded = required_text(field, &folded, NAME_MAX_CHARS)?;
    let allowed = |c: char| c.is_alphanumeric() || " -_.()&/".contains(c);
    if !folded.chars().next().is_some_and(char::is_alphanumeric) || !folded.chars().all(allowed) {
        return Err(FieldError::new(
            field,
            "invalid_characters",
            "Start with a letter or digit; use letters, digits, spaces and - _ . ( ) & /.",
        ));
    }
    Ok(folded)
}

/// The key two names are compared by for uniqueness: case-insensitive.
pub fn name_key(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lowercased() {
        assert_eq!(email("email", "  Ada.Lovelace@Example.COM ").unwrap(), "ada.lovelace@example.com");
    }

    #[test]
    fn bad_emails_are_refused_with_a_code() {
        assert_eq!(email("email", "").unwrap_err().code, "required");
        for bad in [
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "ada @example.com",
            "ada@.example.com",
            "ada@example..com",
            "a@b@c.com",
            "ada@example.com.",
        ] {
            let error = email("email", bad).unwrap_err();
            assert_eq!((error.field.as_str(), error.code.as_str()), ("email", "invalid_email"), "{bad}");
        }
        let long_local = format!("{}@example.com", "a".repeat(65));
        assert!(email("email", &long_local).is_err());
    }

    #[test]
    fn the_stated_password_rule_is_the_one_applied() {
        assert!(PASSWORD_RULE.contains(&PASSWORD_MIN_CHARS.to_string()));
        let email = "jordan.lee@example.com";
        assert!(password("password", "a long jordan.lee passphrase", Some(email)).is_err(), "the part before the @");
        assert!(PASSWORD_RULE.contains("before the @"));
    }

    #[test]
    fn password_length_bounds() {
        assert_eq!(password("password", "short", None).unwrap_err().code, "too_short");
        assert_eq!(password("password", &"ab".repeat(65), None).unwrap_err().code, "too_long");
        assert!(password("password", "correct horse battery", None).is_ok());
        // Twelve characters counted as characters, not bytes.
        assert!(password("password", "ééééééééééé1", None).is_ok());
        assert_eq!(password("password", "ééééééééééé", None).unwrap_err().code, "too_short");
    }

    #[test]
    fn weak_passwords_are_refused() {
        assert_eq!(password("password", "            ", None).unwrap_err().code, "too_weak");
        assert_eq!(password("password", "aaaaaaaaaaaaaaa", None).unwrap_err().code, "too_weak");
        assert_eq!(
            password("password", "my ada@example.com pw", Some("ada@example.com")).unwrap_err().code,
            "too_weak"
        );
        assert_eq!(
            password("password", "lovelace-is-great", Some("lovelace@example.com")).unwrap_err().code,
            "too_weak"
        );
        assert!(password("password", "a fine long passphrase", Some("ada@example.com")).is_ok());
    }

    #[test]
    fn names_fold_spaces_and_refuse_odd_characters() {
        assert_eq!(name("name", "  Sales   Ops  ").unwrap(), "Sales Ops");
        assert_eq!(name("name", "").unwrap_err().code, "required");
        assert_eq!(name("name", "   ").unwrap_err().code, "required");
        assert_eq!(name("name", "-leading").unwrap_err().code, "invalid_characters");
        assert_eq!(name("name", "semi;colon").unwrap_err().code, "invalid_characters");
        assert_eq!(name("name", &"x".repeat(65)).unwrap_err().code, "too_long");
        assert!(name("name", "R&D (EMEA) / Finance_2.0").is_ok());
        assert!(name("name", "Équipe données").is_ok());
    }

    #[test]
    fn name_keys_ignore_case_and_spacing() {
        assert_eq!(name_key("Sales  Ops"), name_key("sales ops"));
        assert_ne!(name_key("Sales Ops"), name_key("SalesOps"));
    }

    #[test]
    fn optional_text_allows_empty_and_newlines() {
        assert_eq!(optional_text("description", "  ", 10).unwrap(), "");
        assert!(optional_text("description", "line one\nline two", 100).is_ok());
        assert_eq!(optional_text("description", "a\u{0007}b", 100).unwrap_err().code, "invalid_characters");
        assert_eq!(optional_text("description", &"x".repeat(11), 10).unwrap_err().code, "too_long");
    }
}
