//! The `oauth2` crate's async HTTP client, implemented over `worker::Fetch`.
//!
//! Providers are untrusted peers: redirects are never followed (a token endpoint that redirects is
//! misconfigured or hostile, and following would resend credentials), and every call has a
//! deadline so a hanging provider cannot hold a request or a vault forever. Every URL passes the
//! one outbound URL rule (`domain::endpoint`) right before it is fetched, whatever stored it, and
//! answers are capped in size.

use futures_util::future::{Either, select};
use oauth2::{HttpRequest, HttpResponse};
use std::time::Duration;

use domain::endpoint::EndpointPolicy;
use worker::{AbortController, Delay, Fetch, Headers, Method, RequestInit, RequestRedirect};

/// How long one provider call may take, body included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest answer read from a provider: token responses and discovery documents are a few
/// KiB; anything near this is not one.
pub const MAX_RESPONSE_BYTES: usize = 256 * 1024;

/// Where and how long an outbound call may go.
#[derive(Debug, Clone, Copy)]
pub struct Outbound {
    pub timeout: Duration,
    pub policy: EndpointPolicy,
}

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("the provider did not answer within {0:?}")]
    Timeout(Duration),
    #[error("request could not be built: {0}")]
    Build(String),
    #[error("network error: {0}")]
    Network(String),
    #[error("the URL is refused by the outbound URL rule: {0:?}")]
    Refused(domain::endpoint::EndpointError),
    #[error("the answer is larger than {MAX_RESPONSE_BYTES} bytes")]
    TooLarge,
}

/// Send one request: the URL checked against the outbound rule, no redirect followed, within the
/// deadline, the answer capped. Matches `oauth2::AsyncHttpClient` once `outbound` is bound.
pub async fn send(request: HttpRequest, limits: Outbound) -> Result<HttpResponse, HttpError> {
    let uri = request.uri().to_string();
    domain::endpoint::normalise(&uri, limits.policy).map_err(HttpError::Refused)?;
    let timeout = limits.timeout;
    let outbound = to_worker_request(&request)?;
    let controller = AbortController::default();
    let signal = controller.signal();
    let exchange = Box::pin(async move {
        let mut response =
            Fetch::Request(outbound).send_with_signal(&signal).await.map_err(|e| HttpError::Network(e.to_string()))?;
        let declared = response.headers().get("content-length").ok().flatten().and_then(|l| l.parse::<usize>().ok());
        if declared.is_some_and(|l| l > MAX_RESPONSE_BYTES) {
            return Err(HttpError::TooLarge);
        }
        let body = response.bytes().await.map_err(|e| HttpError::Network(e.to_string()))?;
        if body.len() > MAX_RESPONSE_BYTES {
            return Err(HttpError::TooLarge);
        }
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
