//! Stable error codes of the HTTP API (ARCHITECTURE.md): the wire shape and the status each implies.

use serde::{Deserialize, Serialize};

crate::text_enum! {
    /// A machine-readable error code. The serialized names are a public contract: never rename one.
    pub enum ErrorCode {
        /// 422: a field breaks a rule; `field` and `reason` say which and why.
        ValidationFailed = "validation_failed",
        /// 409: another role or connection has this name (compared case-insensitively).
        NameTaken = "name_taken",
        /// 404: no such endpoint or object.
        NotFound = "not_found",
        /// 405: the path exists, not with this method.
        MethodNotAllowed = "method_not_allowed",
        /// 403: not allowed: missing rights or key scope, or a cross-origin write.
        Forbidden = "forbidden",
        /// 401: no valid session or API key; or a failed sign-in (any reason, in the same words).
        Unauthenticated = "unauthenticated",
        /// 400: a consent could not finish (unknown, expired or foreign `state`, wrong `iss`, no code).
        StateInvalid = "state_invalid",
        /// 409: the provider no longer accepts the saved grant; a person must consent again.
        ReauthRequired = "reauth_required",
        /// 404: no token is saved for this connection (and caller, for a user token) yet.
        NoToken = "no_token",
        /// 502: the provider refused the request (bad client, scope, discovery document…).
        ProviderError = "provider_error",
        /// 503: the provider could not be reached or answered no token; try again later.
        ProviderUnavailable = "provider_unavailable",
        /// 409: the request conflicts with the current state (an email in use, a concurrent edit…).
        Conflict = "conflict",
        /// 400: the body is not the JSON this endpoint expects.
        InvalidBody = "invalid_body",
        /// 415: a body that is not `application/json`.
        UnsupportedMediaType = "unsupported_media_type",
        /// 429: too many sign-ins or bad API keys from one address; retry after `Retry-After` s.
        TooManyAttempts = "too_many_attempts",
        /// 413: the body is larger than 64 KiB.
        PayloadTooLarge = "payload_too_large",
        /// 400: a proxied path would leave the connection's API base URL (`domain::proxy`).
        TargetRefused = "target_refused",
        /// 409: the connection has no usable API base URL for the proxy.
        NoApiBaseUrl = "no_api_base_url",
        /// 500: a fault on our side; the log has the detail, the answer never does.
        Internal = "internal",
    }
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
            ErrorCode::TargetRefused => 400,
            ErrorCode::NoApiBaseUrl => 409,
        }
    }
}

/// `{"error": {...}}`: the body of every non-2xx API response.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorResponse {
    /// What went wrong.
    pub error: ErrorBody,
}

/// The `error` object of an error response.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The stable code; the HTTP status follows from it.
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
    /// An error with `code` and words for a person, about no field in particular.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ErrorResponse { error: ErrorBody { code, message: message.into(), field: None, reason: None } }
    }

    /// The same error, about `field`.
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.error.field = Some(field.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_are_the_published_ones() {
        // The contract, spelled out: a rename in the enum's table fails here.
        let names: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            names.join(" "),
            "validation_failed name_taken not_found method_not_allowed forbidden unauthenticated state_invalid \
             reauth_required no_token provider_error provider_unavailable conflict invalid_body \
             unsupported_media_type too_many_attempts payload_too_large target_refused no_api_base_url internal"
        );
    }

    #[test]
    fn wire_name_matches_as_str_for_every_code() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            let back: ErrorCode = serde_json::from_str(&json).unwrap();
            assert_eq!(back, code);
        }
    }

    #[test]
    fn every_code_is_an_error_status() {
        for code in ErrorCode::ALL {
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
