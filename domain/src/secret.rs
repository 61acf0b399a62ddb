//! Secrets typed as secrets: passwords, client secrets, access and refresh tokens, API key
//! secrets and PKCE verifiers travel as `Secret`, which prints `[redacted]` (Debug and Display,
//! so no log line, panic message or `{:?}` of a struct holding one shows it), has no
//! `PartialEq` (comparing secrets is done on purpose, in constant time, where it matters), and
//! hands out its text only through `expose()`.
//!
//! Serde: `Secret` deserializes like a string (it arrives on the wire and from envelopes), but
//! does not implement `Serialize`. A wire field that must carry a secret says so where it is
//! declared, `#[serde(serialize_with = "crate::secret::reveal")]`, so a struct that holds one
//! cannot be serialized into a log, a D1 column or an answer by accident: deriving `Serialize` on
//! it without that line does not compile. The fields that reveal today: the token API's access
//! token, the one-time API key at creation, and the requests the SPA sends (a password, a client
//! secret), which the worker reads as input.
//!
//! No zeroizing on drop: the worker and the SPA run in wasm, where every secret also lives in
//! JavaScript strings (the request body, `fetch`, D1 bindings) that Rust cannot wipe; a wiped
//! Rust copy would promise what the platform does not keep, for one more crate.

use serde::{Deserialize, Serialize, Serializer};

/// A secret string. See the module documentation for what it does and does not do.
#[derive(Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wrap a secret's text.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret's text, for the one call that needs it (sealing, hashing, a provider request).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether it was left blank (an edit that keeps the stored one).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Secret {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Secret {
        Secret(value.to_string())
    }
}

/// On the wire a secret is a string (sent by the SPA or a bot; revealed only where a field says so).
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Secret {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new().schema_type(utoipa::openapi::schema::Type::String).into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Secret {}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// What `reveal` can put on the wire: a secret, or an optional one.
pub trait Reveal {
    /// Serialize the secret's text (or `null` for `None`).
    fn reveal<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error>;
}

impl Reveal for Secret {
    fn reveal<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl Reveal for Option<Secret> {
    fn reveal<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.as_ref().map(Secret::expose).serialize(serializer)
    }
}

/// `#[serde(serialize_with = "crate::secret::reveal")]`: the deliberate way a secret field is
/// written out, on the few wire types whose purpose is to carry it.
pub fn reveal<T: Reveal, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
    value.reveal(serializer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, Serialize)]
    struct Wire {
        name: String,
        #[serde(serialize_with = "reveal")]
        secret: Secret,
        #[serde(default, serialize_with = "reveal", skip_serializing_if = "Option::is_none")]
        maybe: Option<Secret>,
    }

    #[test]
    fn debug_and_display_redact() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?}"), "[redacted]");
        assert_eq!(format!("{secret}"), "[redacted]");
        let wire = Wire { name: "n".into(), secret: secret.clone(), maybe: Some(secret) };
        let shown = format!("{wire:?} {:?}", Some(Secret::new("hunter2")));
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("[redacted]"));
    }

    #[test]
    fn input_round_trips_through_serde_where_revealed() {
        let wire: Wire = serde_json::from_str(r#"{"name":"n","secret":"s3cr\"t","maybe":"m"}"#).unwrap();
        assert_eq!(wire.secret.expose(), "s3cr\"t");
        assert_eq!(wire.maybe.as_ref().map(Secret::expose), Some("m"));
        let back = serde_json::to_string(&wire).unwrap();
        assert_eq!(back, r#"{"name":"n","secret":"s3cr\"t","maybe":"m"}"#);
        let again: Wire = serde_json::from_str(&back).unwrap();
        assert_eq!(again.secret.expose(), wire.secret.expose());
        let none: Wire = serde_json::from_str(r#"{"name":"n","secret":""}"#).unwrap();
        assert!(none.maybe.is_none() && none.secret.expose().is_empty());
        assert_eq!(serde_json::to_string(&none).unwrap(), r#"{"name":"n","secret":""}"#);
    }

    #[test]
    fn a_secret_is_not_a_string_to_serde() {
        assert!(serde_json::from_str::<Secret>("42").is_err());
        assert_eq!(serde_json::from_str::<Secret>("\"x\"").unwrap().expose(), "x");
    }
}
