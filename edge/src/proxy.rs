//! The proxy's outbound side: one call to the provider's API, headers filtered both ways by
//! `domain::proxy`, bodies passed as streams (a body is read into memory only when it is small
//! enough to be sent again after a refresh), no redirect followed, and a deadline for the
//! provider's answer to begin (a download may then take as long as it takes).

use std::time::Duration;

use futures_util::future::{Either, select};
use worker::js_sys::Uint8Array;
use worker::web_sys::ReadableStream;
use worker::{AbortController, Delay, Env, Fetch, Headers, Method, Request, RequestInit, RequestRedirect, Response};
use worker::{ResponseBody, wasm_bindgen::JsValue};

use crate::error::{ApiError, ApiResult};
use domain::error::ErrorCode;

/// How long the provider may take to start answering (`PROXY_TIMEOUT_MS`, default 60 s).
pub fn deadline(env: &Env) -> Duration {
    let ms = env.var("PROXY_TIMEOUT_MS").ok().and_then(|v| v.to_string().parse::<u64>().ok()).filter(|m| *m > 0);
    ms.map_or(Duration::from_secs(60), Duration::from_millis)
}

/// The caller's request body as the proxy sends it on.
pub enum Body {
    None,
    /// Read already (at most 64 KiB): can be sent again.
    Kept(Vec<u8>),
    /// Passed through as it arrives; sent once.
    Streamed(ReadableStream),
}

impl Body {
    fn value(&self) -> Option<JsValue> {
        match self {
            Body::None => None,
            Body::Kept(bytes) => Some(Uint8Array::from(bytes.as_slice()).into()),
            Body::Streamed(stream) => Some(stream.clone().into()),
        }
    }
}

/// The caller's headers that go on to the provider (`domain::proxy::forwards_request_header`).
pub fn forwarded_headers(req: &Request) -> ApiResult<Vec<(String, String)>> {
    let connection = req.headers().get("connection")?;
    Ok(req
        .headers()
        .entries()
        .filter(|(name, _)| domain::proxy::forwards_request_header(name, connection.as_deref()))
        .collect())
}

/// One call: `target` with the caller's `headers`, the token in `authorization`, the body. `Err`
/// only for the product's own failures (the provider unreachable or too slow to answer).
pub async fn send(
    method: &str,
    target: &str,
    headers: &[(String, String)],
    authorization: &str,
    body: &Body,
    deadline: Duration,
) -> ApiResult<Response> {
    let outbound = Headers::new();
    for (name, value) in headers {
        outbound.append(name, value)?;
    }
    outbound.set("authorization", authorization)?;
    let mut init = RequestInit::new();
    init.with_method(Method::from(method.to_string()))
        .with_headers(outbound)
        .with_redirect(RequestRedirect::Manual)
        .with_body(body.value());
    let request = Request::new_with_init(target, &init)?;
    let controller = AbortController::default();
    let signal = controller.signal();
    let exchange = Box::pin(async move { Fetch::Request(request).send_with_signal(&signal).await });
    match select(exchange, Box::pin(Delay::from(deadline))).await {
        Either::Left((Ok(response), _)) => Ok(response),
        Either::Left((Err(e), _)) => {
            worker::console_error!("proxy: provider call failed: {e}");
            Err(ApiError::new(ErrorCode::ProviderUnavailable, "the provider's API could not be reached"))
        }
        Either::Right(((), _)) => {
            controller.abort();
            Err(ApiError::new(
                ErrorCode::ProviderUnavailable,
                format!("the provider's API did not answer within {} s", deadline.as_secs()),
            ))
        }
    }
}

/// The provider's answer as the caller gets it: status and body as they are (the body still a
/// stream), headers filtered (`domain::proxy::returns_response_header`).
pub fn pass_back(response: Response) -> ApiResult<Response> {
    let connection = response.headers().get("connection")?;
    let headers = Headers::new();
    for (name, value) in response.headers().entries() {
        if domain::proxy::returns_response_header(&name, connection.as_deref()) {
            headers.append(&name, &value)?;
        }
    }
    let builder = Response::builder().with_status(response.status_code()).with_headers(headers);
    Ok(match response.body() {
        ResponseBody::Stream(stream) => builder.stream(stream.clone()),
        ResponseBody::Body(bytes) => builder.fixed(bytes.clone()),
        ResponseBody::Empty => builder.empty(),
    })
}

/// Drop an answer that will not be passed on (the 401 before a retry) without reading it.
pub fn discard(response: &Response) {
    if let ResponseBody::Stream(stream) = response.body() {
        let _ = stream.cancel();
    }
}
