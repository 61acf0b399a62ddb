//! Leaving the wizard with unsaved input asks first: the browser's own prompt on reload, close
//! or a typed address (`beforeunload`), and a confirmation before a link inside the app is
//! followed (a click listener that runs before the router's, in the capture phase).

use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

const QUESTION: &str = "Leave the wizard? What you entered since the last save is lost.";

/// Guard the page while `dirty` holds; the listeners go with the wizard.
pub fn guard(dirty: RwSignal<bool>) {
    let unload = window_event_listener(ev::beforeunload, move |event: web_sys::BeforeUnloadEvent| {
        if dirty.get_untracked() {
            event.prevent_default();
            event.set_return_value(QUESTION);
        }
    });
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    let click = Closure::<dyn Fn(web_sys::MouseEvent)>::new(move |event: web_sys::MouseEvent| {
        if !dirty.try_get_untracked().unwrap_or(false) || event.default_prevented() || event.button() != 0 {
            return;
        }
        let link = event
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| e.closest("a[href]").ok().flatten());
        if link.is_none() {
            return;
        }
        let leave = web_sys::window().and_then(|w| w.confirm_with_message(QUESTION).ok()).unwrap_or(true);
        if leave {
            dirty.set(false);
        } else {
            event.prevent_default();
            event.stop_propagation();
        }
    });
    let callback = click.as_ref().unchecked_ref::<web_sys::js_sys::Function>().clone();
    let _ = document.add_event_listener_with_callback_and_bool("click", &callback, true);
    // Kept (closure included) until the wizard goes, then removed.
    let owned = StoredValue::new_local(Some((document, callback, click)));
    on_cleanup(move || {
        unload.remove();
        if let Some((document, callback, _click)) = owned.try_update_value(Option::take).flatten() {
            let _ = document.remove_event_listener_with_callback_and_bool("click", &callback, true);
        }
    });
}
