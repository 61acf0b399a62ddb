//! Stable error codes of the HTTP API (ARCHITECTURE.md): the wire shape and the status each implies.

use serde::{Deserialize, Serialize};

/// A machine-readable error code. The serialized names are a public contract: never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    ValidationFailed,
    NameTaken,
    NotFound,
    MethodNotAllowed,
    Forbidden,
    Unauthenticated,
    StateInvalid,
    ReauthRequired,
    NoToken,
    ProviderError,
    ProviderUnavailable,
    Conflict,
    InvalidBody,
    UnsupportedMediaType,
    TooManyAttempts,
    PayloadTooLarge,
    Internal,
}

impl ErrorCode {
    /// The HTTP status that goes with the code.
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::ValidationFailed => 422,
            ErrorCode::NameTaken | ErrorCode::Conflict => 409,
            ErrorCode::NotFound | ErrorCode::NoToken => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::Forbidden => 403,
            ErrorCode::Unauthenticated => 401,
            ErrorCode::StateInvalid => 400,
            ErrorCode::ReauthRequired => 409,
            ErrorCode::ProviderError => 502,
            ErrorCode::ProviderUnavailable => 503,
            ErrorCode::InvalidBody => 400,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::TooManyAttempts => 429,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::Internal => 500,
        }
    }

    /// The snake_case name, as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::ValidationFailed => "validation_failed",
            ErrorCode::NameTaken => "name_taken",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::StateInvalid => "state_invalid",
            ErrorCode::ReauthRequired => "reauth_required",
            ErrorCode::NoToken => "no_token",
            ErrorCode::ProviderError => "provider_error",
            ErrorCode::ProviderUnavailable => "provider_unavailable",
            ErrorCode::Conflict => "conflict",
            ErrorCode::InvalidBody => "invalid_body",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::TooManyAttempts => "too_many_attempts",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::Internal => "internal",
        }
    }
}

/// `{"error": {...}}`: the body of every non-2xx API response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorResponse {
    pub error: ErrorBody,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: ErrorCode,
    /// For a person; never carries internal detail or secrets.
    pub message: String,
    /// The offending field, when one field is wrong.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// With `field`: the field rule's own stable code (`secret_required`, `insecure_url`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl ErrorResponse {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ErrorResponse { error: ErrorBody { code, message: message.into(), field: None, reason: None } }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.error.field = Some(field.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [ErrorCode; 17] = [
        ErrorCode::ValidationFailed,
        ErrorCode::NameTaken,
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::Forbidden,
        ErrorCode::Unauthenticated,
        ErrorCode::StateInvalid,
        ErrorCode::ReauthRequired,
        ErrorCode::NoToken,
        ErrorCode::ProviderError,
        ErrorCode::ProviderUnavailable,
        ErrorCode::Conflict,
        ErrorCode::InvalidBody,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::TooManyAttempts,
        ErrorCode::PayloadTooLarge,
        ErrorCode::Internal,
    ];

    #[test]
    fn wire_name_matches_as_str_for_every_code() {
        for code in ALL {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            let back: ErrorCode = serde_json::from_str(&json).unwrap();
            assert_eq!(back, code);
        }
    }

    #[test]
    fn every_code_is_an_error_status() {
        for code in ALL {
            assert!((400..600).contains(&code.status()), "{code:?}");
        }
    }

    #[test]
    fn field_is_omitted_when_absent_and_kept_when_present() {
        let plain = serde_json::to_value(ErrorResponse::new(ErrorCode::NotFound, "no such thing")).unwrap();
        assert_eq!(plain, serde_json::json!({"error": {"code": "not_found", "message": "no such thing"}}));
        let with = ErrorResponse::new(ErrorCode::ValidationFailed, "bad").with_field("token_url");
        assert_eq!(serde_json::to_value(with).unwrap()["error"]["field"], "token_url");
    }
}
