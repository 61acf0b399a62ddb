//! `GET /api/v1/health?deep=1`: what an uptime monitor is told. The worker runs each check (D1,
//! a Durable Object round trip); this module turns their outcomes into the status and the body.

use serde::{Deserialize, Serialize};

crate::text_enum! {
    /// One dependency the deep check tries.
    pub enum Check {
        /// A read of the schema: the binding answers and the migrations were applied.
        D1 = "d1",
        /// A call into a Durable Object and its answer.
        DurableObject = "durable_object",
    }
}

impl Check {
    /// The error code a failure of this check is reported with.
    pub fn error_code(self) -> &'static str {
        match self {
            Check::D1 => "d1_unavailable",
            Check::DurableObject => "durable_object_unavailable",
        }
    }
}

/// What one check found.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    /// Which dependency.
    pub check: Check,
    /// Whether it answered.
    pub ok: bool,
    /// `Check::error_code` when it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The deep answer: `ok` and 200 when every check passed, else `unavailable` and 503 with the
/// code of the first failure in `error`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeepHealth {
    /// `ok` or `unavailable`.
    pub status: String,
    /// The error code of the first failed check; absent when all passed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Every check, in the order it ran.
    pub checks: Vec<CheckResult>,
}

impl DeepHealth {
    /// The HTTP status to answer with.
    pub fn http_status(&self) -> u16 {
        if self.error.is_none() { 200 } else { 503 }
    }
}

/// Judge the outcomes, in the order they were checked.
pub fn verdict(outcomes: &[(Check, bool)]) -> DeepHealth {
    let checks: Vec<CheckResult> = outcomes
        .iter()
        .map(|&(check, ok)| CheckResult { check, ok, error: (!ok).then(|| check.error_code().to_string()) })
        .collect();
    let error = checks.iter().find_map(|c| c.error.clone());
    let status = if error.is_none() { "ok" } else { "unavailable" }.to_string();
    DeepHealth { status, error, checks }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_passed_is_200_and_lists_what_was_checked() {
        let h = verdict(&[(Check::D1, true), (Check::DurableObject, true)]);
        assert_eq!(h.http_status(), 200);
        assert_eq!(h.status, "ok");
        assert_eq!(h.error, None);
        let json = serde_json::to_value(&h).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"status": "ok", "checks": [
                {"check": "d1", "ok": true}, {"check": "durable_object", "ok": true}
            ]})
        );
    }

    #[test]
    fn a_failure_is_503_with_its_code() {
        let h = verdict(&[(Check::D1, true), (Check::DurableObject, false)]);
        assert_eq!(h.http_status(), 503);
        assert_eq!(h.status, "unavailable");
        assert_eq!(h.error.as_deref(), Some("durable_object_unavailable"));
        assert_eq!(h.checks[1].error.as_deref(), Some("durable_object_unavailable"));
        let h = verdict(&[(Check::D1, false), (Check::DurableObject, false)]);
        assert_eq!(h.error.as_deref(), Some("d1_unavailable"), "the first failure is the answer's code");
    }
}
