//! The `oauth2` crate's async HTTP client, implemented over `worker::Fetch`.
//!
//! Providers are untrusted peers: redirects are never followed (a token endpoint that redirects is
//! misconfigured or hostile, and following would resend credentials), and every call has a
//! deadline so a hanging provider cannot hold a request or a vault forever.

use futures_util::future::{Either, select};
use oauth2::{HttpRequest, HttpResponse};
use std::time::Duration;
use worker::{AbortController, Delay, Fetch, Headers, Method, RequestInit, RequestRedirect};

/// How long one provider call may take, body included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("the provider did not answer within {0:?}")]
    Timeout(Duration),
    #[error("request could not be built: {0}")]
    Build(String),
    #[error("network error: {0}")]
    Network(String),
}

/// Send one request with the default deadline. Matches `oauth2::AsyncHttpClient`.
pub async fn send(request: HttpRequest) -> Result<HttpResponse, HttpError> {
    send_with_timeout(request, DEFAULT_TIMEOUT).await
}

/// The same with a chosen deadline (the OAuth client passes `PROVIDER_TIMEOUT_MS`).
pub async fn send_with_timeout(request: HttpRequest, timeout: Duration) -> Result<HttpResponse, HttpError> {
    let outbound = to_worker_request(&request)?;
    let controller = AbortController::default();
    let signal = controller.signal();
    let exchange = Box::pin(async move {
        let mut response =
            Fetch::Request(outbound).send_with_signal(&signal).await.map_err(|e| HttpError::Network(e.to_string()))?;
        let body = response.bytes().await.map_err(|e| HttpError::Network(e.to_string()))?;
        from_worker_response(&response, body)
    });
    match select(exchange, Box::pin(Delay::from(timeout))).await {
        Either::Left((result, _)) => result,
        Either::Right(((), _)) => {
            controller.abort();
            Err(HttpError::Timeout(timeout))
        }
    }
}

fn to_worker_request(request: &HttpRequest) -> Result<worker::Request, HttpError> {
    let headers = Headers::new();
    for (name, value) in request.headers() {
        let value = value.to_str().map_err(|e| HttpError::Build(e.to_string()))?;
        headers.append(name.as_str(), value).map_err(|e| HttpError::Build(e.to_string()))?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::from(request.method().as_str().to_string()))
        .with_headers(headers)
        .with_redirect(RequestRedirect::Manual);
    if !request.body().is_empty() {
        let body = js_sys::Uint8Array::from(request.body().as_slice());
        init.with_body(Some(body.into()));
    }
    worker::Request::new_with_init(&request.uri().to_string(), &init).map_err(|e| HttpError::Build(e.to_string()))
}

fn from_worker_response(response: &worker::Response, body: Vec<u8>) -> Result<HttpResponse, HttpError> {
    let mut builder = oauth2::http::Response::builder().status(response.status_code());
    for (name, value) in response.headers().entries() {
        builder = builder.header(name, value);
    }
    builder.body(body).map_err(|e| HttpError::Network(e.to_string()))
}
