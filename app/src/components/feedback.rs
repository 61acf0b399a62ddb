//! The one busy and error pattern of every page. Reads: `Loaded` shows what a page makes of its
//! resources, "Loading…" before and the error if one failed. Writes (`crate::io::write`): the
//! action's pending state disables its button, and `Outcome` shows what the last one said.

use std::sync::Arc;

use leptos::prelude::*;

use crate::api::ApiError;

/// What a page makes of its resources: `None` while one is loading, the view, or why one failed.
pub type Shown = Option<Result<AnyView, ApiError>>;

/// "Loading…" until the resources read by `view` have answered (on a reload the old content
/// stays: a `Transition`), the error when one failed. With `columns` it takes the shape of a
/// table row, for a `<tbody>`; `way_out` follows an error (a link back, say).
#[component]
pub fn Loaded(
    #[prop(optional)] columns: Option<u8>,
    #[prop(optional, into)] way_out: Option<ViewFn>,
    view: impl Fn() -> Shown + Send + Sync + 'static,
) -> impl IntoView {
    loaded(columns, way_out, Arc::new(view))
}

/// The body of every `Loaded`, once in the wasm (an error boundary and a `Result` view per page
/// cost more than this whole file).
fn loaded(columns: Option<u8>, way_out: Option<ViewFn>, view: Arc<dyn Fn() -> Shown + Send + Sync>) -> AnyView {
    let shaped = move |class: &'static str, text: String| match columns {
        Some(n) => view! { <tr><td colspan=n class=class>{text}</td></tr> }.into_any(),
        None => view! { <p class=class role=(class == "error").then_some("alert")>{text}</p> }.into_any(),
    };
    view! {
        <Transition fallback=move || shaped("muted", "Loading…".into())>
            {move || match view() {
                None => ().into_any(),
                Some(Ok(page)) => page,
                Some(Err(e)) => view! { {shaped("error", e.message())} {way_out.as_ref().map(ViewFn::run)} }.into_any(),
            }}
        </Transition>
    }
    .into_any()
}

/// What the last write said: a success notice or an error, or nothing before the first.
#[component]
pub fn Outcome(
    #[prop(into)] said: Signal<Option<Result<String, String>>>,
    #[prop(optional)] testid: &'static str,
) -> impl IntoView {
    move || {
        said.get().map(|said| match said {
            Ok(text) => view! { <p class="notice success" role="status" data-testid=testid>{text}</p> }.into_any(),
            Err(text) => view! { <p class="form-error" role="alert" data-testid=testid>{text}</p> }.into_any(),
        })
    }
}
