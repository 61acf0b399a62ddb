//! `ApiError`: what a handler fails with. It renders as `{"error":{"code","message","field"?}}`
//! (ARCHITECTURE.md); internal detail goes to the log only.

use domain::error::{ErrorCode, ErrorResponse};
use worker::Response;

pub type ApiResult<T> = Result<T, ApiError>;

#[derive(Debug)]
pub struct ApiError {
    body: ErrorResponse,
    /// Seconds for `Retry-After` (throttled callers).
    retry_after: Option<u32>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError { body: ErrorResponse::new(code, message), retry_after: None }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }

    pub fn method_not_allowed() -> Self {
        Self::new(ErrorCode::MethodNotAllowed, "this endpoint does not take that method")
    }

    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorCode::ValidationFailed, message).with_field(field)
    }

    /// An unexpected failure: the detail is logged, the caller sees a generic message.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        worker::console_error!("internal error: {detail}");
        Self::new(ErrorCode::Internal, "something went wrong on our side")
    }

    pub fn with_retry_after(mut self, seconds: u32) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    pub fn with_field(mut self, field: &str) -> Self {
        self.body.error.field = Some(field.to_string());
        self
    }

    /// The field rule's or the failure's own stable code (`reason` on the wire).
    pub fn with_reason(mut self, reason: &str) -> Self {
        self.body.error.reason = Some(reason.to_string());
        self
    }

    pub fn from_field(error: domain::validate::FieldError) -> Self {
        let mut error_body = Self::new(ErrorCode::ValidationFailed, error.message).with_field(&error.field);
        error_body.body.error.reason = Some(error.code);
        error_body
    }

    pub fn message(&self) -> &str {
        &self.body.error.message
    }

    pub fn code(&self) -> ErrorCode {
        self.body.error.code
    }

    pub fn body(&self) -> &ErrorResponse {
        &self.body
    }

    /// An error body a Durable Object answered with, passed on as it was.
    pub fn from_reply(status: u16, body: &str) -> ApiError {
        match serde_json::from_str::<ErrorResponse>(body) {
            Ok(body) => ApiError { body, retry_after: None },
            Err(e) => ApiError::internal(format!("unreadable answer ({status}): {e}")),
        }
    }

    pub fn into_response(self) -> worker::Result<Response> {
        let mut response = Response::from_json(&self.body)?.with_status(self.code().status());
        if let Some(seconds) = self.retry_after {
            response.headers_mut().set("retry-after", &seconds.to_string())?;
        }
        Ok(response)
    }
}

impl From<worker::Error> for ApiError {
    fn from(error: worker::Error) -> Self {
        ApiError::internal(error)
    }
}
