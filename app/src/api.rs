//! One typed client for the worker's JSON API, over gloo-net, speaking `domain::api` types.

use domain::api::ConfigResponse;
use domain::error::{ErrorBody, ErrorResponse};
use gloo_net::http::Request;
use serde::de::DeserializeOwned;

/// Why a call failed, in words a page can show.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// The worker answered with the JSON error shape.
    Api(ErrorBody),
    /// No answer, or an answer that was not what the API promises.
    Transport(String),
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::Api(body) => write!(f, "{} ({})", body.message, body.code.as_str()),
            ApiError::Transport(detail) => write!(f, "the server could not be reached: {detail}"),
        }
    }
}

async fn get_json<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    let response = Request::get(path)
        .header("accept", "application/json")
        .send()
        .await
        .map_err(|e| ApiError::Transport(e.to_string()))?;
    if response.ok() {
        return response.json::<T>().await.map_err(|e| ApiError::Transport(e.to_string()));
    }
    match response.json::<ErrorResponse>().await {
        Ok(body) => Err(ApiError::Api(body.error)),
        Err(_) => Err(ApiError::Transport(format!("HTTP {}", response.status()))),
    }
}

pub async fn config() -> Result<ConfigResponse, ApiError> {
    get_json("/api/v1/config").await
}
