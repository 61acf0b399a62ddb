//! Running a consent in a popup: open a blank window at once (inside the click, so popup
//! blockers let it through), point it at the provider once the API returns the URL, and wait for
//! the callback page's `postMessage` from our own origin.

use domain::consent::ConsentPurpose;
use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::Deserialize;
use wasm_bindgen::JsCast;

use crate::api;

/// What the callback page posts (see edge `oauth/callback_page.rs`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ConsentOutcome {
    pub ok: bool,
    pub purpose: Option<String>,
    pub code: Option<String>,
    pub message: String,
}

/// Start a consent for `purpose`; `done` gets the outcome.
pub fn start_consent(connection_id: String, purpose: ConsentPurpose, done: Callback<ConsentOutcome>) {
    start_consent_after(async move { Ok((connection_id, purpose)) }, done);
}

/// The same when the connection must be saved first: the window opens now, inside the click;
/// `prepare` saves and says which connection and purpose to authorize.
pub fn start_consent_after(
    prepare: impl std::future::Future<Output = Result<(String, ConsentPurpose), String>> + 'static,
    done: Callback<ConsentOutcome>,
) {
    let fail = move |message: String| done.run(ConsentOutcome { ok: false, purpose: None, code: None, message });
    let Some(window) = web_sys::window() else { return };
    let popup = match window.open_with_url_and_target_and_features(
        "about:blank",
        "oauth-consent",
        "popup,width=520,height=700",
    ) {
        Ok(Some(popup)) => popup,
        _ => return fail("The browser blocked the consent window: allow pop-ups for this site and try again.".into()),
    };
    let origin = window.location().origin().unwrap_or_default();
    let handle = StoredValue::new_local(None::<WindowListenerHandle>);
    let listener = window_event_listener(ev::message, move |event: web_sys::MessageEvent| {
        if event.origin() != origin {
            return;
        }
        let Ok(outcome) = serde_wasm_outcome(&event) else { return };
        if let Some(h) = handle.try_update_value(Option::take).flatten() {
            h.remove();
        }
        done.run(outcome);
    });
    handle.set_value(Some(listener));
    spawn_local(async move {
        let started = match prepare.await {
            Ok((connection_id, purpose)) => api::authorize(&connection_id, purpose).await.map_err(|e| e.message()),
            Err(message) => Err(message),
        };
        match started {
            Ok(started) => {
                if popup.location().set_href(&started.authorize_url).is_err() {
                    fail("The consent window could not be opened.".into());
                }
            }
            Err(message) => {
                let _ = popup.close();
                if let Some(h) = handle.try_update_value(Option::take).flatten() {
                    h.remove();
                }
                fail(message);
            }
        }
    });
}

/// The message's data, if it is our callback page's outcome.
fn serde_wasm_outcome(event: &web_sys::MessageEvent) -> Result<ConsentOutcome, ()> {
    let data = event.data();
    let text = web_sys::js_sys::JSON::stringify(&data).map_err(|_| ())?;
    let text: String = text.dyn_into::<web_sys::js_sys::JsString>().map_err(|_| ())?.into();
    #[derive(Deserialize)]
    struct Tagged {
        source: String,
    }
    let tag: Tagged = serde_json::from_str(&text).map_err(|_| ())?;
    if tag.source != "edge-oauth" {
        return Err(());
    }
    serde_json::from_str(&text).map_err(|_| ())
}
