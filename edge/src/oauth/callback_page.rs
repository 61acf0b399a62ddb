//! The small page the provider redirects the consent popup to. It tells the opener the outcome
//! with `postMessage` to our own origin and closes; opened without an opener it links back.
//! Its one inline script runs under a per-response nonce; no referrer leaves the page, so the
//! code in its URL goes nowhere.

use serde::Serialize;
use worker::Response;

use crate::crypto;
use crate::error::ApiResult;

#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub source: &'static str,
    pub ok: bool,
    pub purpose: Option<domain::consent::ConsentPurpose>,
    pub connection_id: Option<String>,
    /// A stable error code when not ok.
    pub code: Option<String>,
    pub message: String,
}

pub fn render(outcome: &Outcome) -> ApiResult<Response> {
    let nonce = domain::api_key::hex(&crypto::random_bytes::<16>()?);
    // `<` escaped so nothing in a message can close the script element.
    let data = serde_json::to_string(outcome).unwrap_or_else(|_| "{}".into()).replace('<', "\\u003c");
    let title = if outcome.ok { "Connected" } else { "Not connected" };
    let back = match &outcome.connection_id {
        Some(id) => format!("/connections/{}", escape(id)),
        None => "/".to_string(),
    };
    let html = format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:34rem;margin:4rem auto;padding:0 1rem;color:#1d2330}}h1{{font-size:1.4rem}}.ok{{color:#127a3d}}.bad{{color:#b42318}}</style>
</head><body><main>
<h1 class="{class}">{title}</h1>
<p id="message">{message}</p>
<p><a href="{back}">Back to the product</a></p>
</main>
<script nonce="{nonce}">
const outcome = {data};
if (window.opener) {{ window.opener.postMessage(outcome, window.location.origin); window.close(); }}
</script>
</body></html>"#,
        class = if outcome.ok { "ok" } else { "bad" },
        message = escape(&outcome.message),
    );
    let mut response = Response::from_html(html)?;
    let headers = response.headers_mut();
    headers.set(
        "content-security-policy",
        &format!("default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"),
    )?;
    headers.set("referrer-policy", "no-referrer")?;
    Ok(response)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}
