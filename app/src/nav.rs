//! Navigation without a router crate: the path is one signal, the pages are matched by hand
//! (`domain::spa_route::Page`), links are plain `<a href>` whose clicks one window listener turns
//! into history pushes, and Back/Forward set the path from the address bar. `leptos_router` did
//! the same with far more code (nested routes, resolved paths, `<A>` generic over its href): the
//! first load is lighter without it (README, Performance).

use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{HtmlAnchorElement, MouseEvent, Url};

/// `location.pathname` as a signal, provided once by the app shell.
#[derive(Clone, Copy)]
struct Path(RwSignal<String>);

/// Start following the address bar: Back/Forward and clicks on same-origin links.
pub fn provide_navigation() {
    let path = Path(RwSignal::new(current_path()));
    provide_context(path);
    // Handles live as long as the app: dropping them does not remove the listeners.
    let _ = window_event_listener(ev::popstate, move |_| path.0.set(current_path()));
    let _ = window_event_listener(ev::click, move |ev| {
        if let Some(to) = followed_link(&ev) {
            ev.prevent_default();
            go(path, &to, false);
        }
    });
}

/// The current path (tracked).
pub fn use_path() -> Signal<String> {
    let path = expect_context::<Path>();
    path.0.into()
}

/// A function that opens `to` (a path on this origin) as a new history entry.
pub fn use_navigate() -> impl Fn(&str) + Copy + 'static {
    let path = expect_context::<Path>();
    move |to| go(path, to, false)
}

/// Open `to` in place of the current history entry (a page that sends people elsewhere).
pub fn redirect(to: &str) {
    if let Some(path) = use_context::<Path>() {
        go(path, to, true);
    }
}

/// `"page"` while the current path is `href` (or, unless `exact`, below it): the header marks the
/// section one is in with `aria-current`.
pub fn current(href: &'static str, exact: bool) -> impl Fn() -> Option<&'static str> + Copy {
    let path = use_path();
    move || path.with(|p| is_current(p, href, exact)).then_some("page")
}

fn is_current(path: &str, href: &str, exact: bool) -> bool {
    let path = path.trim_end_matches('/');
    let href = href.trim_end_matches('/');
    path == href || (!exact && path.strip_prefix(href).is_some_and(|rest| rest.starts_with('/')))
}

fn go(path: Path, to: &str, replace: bool) {
    let window = window();
    if let Ok(history) = window.history() {
        let url = Some(to);
        let _ = if replace {
            history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", url)
        } else {
            history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", url)
        };
    }
    window.scroll_to_with_x_and_y(0.0, 0.0);
    path.0.set(current_path());
}

fn current_path() -> String {
    window().location().pathname().unwrap_or_default()
}

/// Where a click goes when the app should follow it itself: a plain left click on a link to this
/// origin without a target or download; the browser handles every other click, as with
/// `leptos_router`.
fn followed_link(ev: &MouseEvent) -> Option<String> {
    if ev.default_prevented() || ev.button() != 0 || ev.meta_key() || ev.alt_key() || ev.ctrl_key() || ev.shift_key() {
        return None;
    }
    let target = ev.target()?.dyn_into::<web_sys::Element>().ok()?;
    let a = target.closest("a[href]").ok()??.dyn_into::<HtmlAnchorElement>().ok()?;
    let rel = a.rel();
    if !a.target().is_empty() || a.has_attribute("download") || rel.split_ascii_whitespace().any(|r| r == "external") {
        return None;
    }
    let url = Url::new(&a.href()).ok()?;
    let location = window().location();
    if url.origin() != location.origin().ok()? {
        return None;
    }
    // A jump within this page (#fragment) is the browser's.
    if !url.hash().is_empty() && location.pathname().ok()? == url.pathname() && location.search().ok()? == url.search()
    {
        return None;
    }
    Some(url.pathname() + &url.search() + &url.hash())
}
