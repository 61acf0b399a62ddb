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

/// How long a consent may stay open without an answer: the worker forgets a started consent
/// after ten minutes (edge `routes/oauth.rs`), so waiting longer could never succeed.
const CONSENT_TIMEOUT_MS: u32 = 600_000;
/// How often the page looks whether the consent window is still open.
const WATCH_EVERY_MS: u32 = 500;

/// The same when the connection must be saved first: the window opens now, inside the click;
/// `prepare` saves and says which connection and purpose to authorize. `done` runs exactly once:
/// with the callback page's outcome, or when the window was blocked, closed before the provider
/// answered, or left without an answer past the timeout, so no button waits forever.
pub fn start_consent_after(
    prepare: impl std::future::Future<Output = Result<(String, ConsentPurpose), String>> + 'static,
    done: Callback<ConsentOutcome>,
) {
    let finished = StoredValue::new_local(false);
    let listener = StoredValue::new_local(None::<WindowListenerHandle>);
    let watch = StoredValue::new_local(None::<IntervalHandle>);
    // Ends the wait once, whoever comes first; later arrivals are ignored.
    let finish = move |outcome: ConsentOutcome| {
        if finished.try_get_value().unwrap_or(true) {
            return;
        }
        finished.set_value(true);
        if let Some(h) = listener.try_update_value(Option::take).flatten() {
            h.remove();
        }
        if let Some(h) = watch.try_update_value(Option::take).flatten() {
            h.clear();
        }
        done.run(outcome);
    };
    let fail =
        move |message: &str| finish(ConsentOutcome { ok: false, purpose: None, code: None, message: message.into() });
    let Some(window) = web_sys::window() else { return };
    let popup = match window.open_with_url_and_target_and_features(
        "about:blank",
        "oauth-consent",
        "popup,width=520,height=700",
    ) {
        Ok(Some(popup)) => popup,
        _ => return fail("The browser blocked the consent window: allow pop-ups for this site, then try again."),
    };
    let origin = window.location().origin().unwrap_or_default();
    listener.set_value(Some(window_event_listener(ev::message, move |event: web_sys::MessageEvent| {
        if event.origin() != origin {
            return;
        }
        if let Ok(outcome) = serde_wasm_outcome(&event) {
            finish(outcome);
        }
    })));
    // The callback page posts its outcome and then closes: a window seen closed twice in a row
    // (a whole interval apart, so a message already on its way is read first) closed unanswered.
    let (watched, closed_before) = (popup.clone(), StoredValue::new_local(false));
    let started_at = web_sys::js_sys::Date::now();
    let handle = set_interval_with_handle(
        move || {
            let closed = watched.closed().unwrap_or(true);
            if closed && closed_before.get_value() {
                fail("The consent window was closed before it reported back: try again.");
            } else if web_sys::js_sys::Date::now() - started_at > f64::from(CONSENT_TIMEOUT_MS) {
                let _ = watched.close();
                fail("No answer from the provider within 10 minutes: try again.");
            }
            closed_before.set_value(closed);
        },
        std::time::Duration::from_millis(u64::from(WATCH_EVERY_MS)),
    );
    watch.set_value(handle.ok());
    spawn_local(async move {
        let started = match prepare.await {
            Ok((connection_id, purpose)) => api::authorize(&connection_id, purpose).await.map_err(|e| e.message()),
            Err(message) => Err(message),
        };
        match started {
            // Closed meanwhile: the watch has said so already.
            Ok(_) if popup.closed().unwrap_or(true) => {}
            Ok(started) => {
                if popup.location().set_href(&started.authorize_url).is_err() {
                    fail("The consent window could not be opened: try again.");
                }
            }
            Err(message) => {
                let _ = popup.close();
                fail(&message);
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
