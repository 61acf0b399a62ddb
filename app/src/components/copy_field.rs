//! A read-only value with a copy button (the callback URL, a new API key).

use leptos::prelude::*;

#[component]
pub fn CopyField(
    #[prop(into)] label: String,
    #[prop(into)] value: Signal<String>,
    #[prop(into)] id: String,
) -> impl IntoView {
    let copied = RwSignal::new(false);
    let copy = move |_| {
        let text = value.get_untracked();
        if let Some(window) = web_sys::window() {
            // The promise is fire-and-forget: a refused clipboard leaves the value selectable.
            let _ = window.navigator().clipboard().write_text(&text);
            copied.set(true);
        }
    };
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <div class="copy-field">
                <input id=id readonly prop:value=move || value.get() />
                <button type="button" class="secondary" on:click=copy>
                    {move || if copied.get() { "Copied" } else { "Copy" }}
                </button>
            </div>
        </div>
    }
}
