//! Toasts: one short line that says a write worked, in a corner, for a few seconds (a failure
//! stays where it belongs, next to what failed: `feedback::Outcome`).
//! One live region (`aria-live="polite"`) for the whole app, present from the first render so
//! screen readers announce what is added to it; pages call `use_toasts().ok(..)`. The toasts are
//! the app's own (not a context), so a write may raise one after an `await`, where no reactive
//! owner is current.

use std::time::Duration;

use leptos::prelude::*;

/// How long a toast stays.
const SHOWN_FOR: Duration = Duration::from_secs(6);

#[derive(Clone)]
struct Toast {
    id: u64,
    text: String,
}

/// The app's toasts; `Copy`, from context.
#[derive(Clone, Copy)]
pub struct Toasts {
    shown: RwSignal<Vec<Toast>>,
    next: StoredValue<u64>,
}

impl Toasts {
    /// Say that a write worked.
    pub fn ok(self, text: impl Into<String>) {
        let id = self.next.get_value();
        self.next.set_value(id + 1);
        self.shown.update(|t| t.push(Toast { id, text: text.into() }));
        set_timeout(move || self.dismiss(id), SHOWN_FOR);
    }

    fn dismiss(self, id: u64) {
        self.shown.update(|t| t.retain(|toast| toast.id != id));
    }
}

thread_local! {
    static TOASTS: Toasts = Toasts { shown: RwSignal::new(Vec::new()), next: StoredValue::new(0) };
}

/// The app's toasts, callable anywhere (the wasm has one thread).
pub fn use_toasts() -> Toasts {
    TOASTS.with(|toasts| *toasts)
}

/// Where toasts appear; rendered once by the shell.
#[component]
pub fn ToastRegion() -> impl IntoView {
    let toasts = use_toasts();
    view! {
        <div class="toasts" role="status" aria-live="polite" data-testid="toasts">
            <For each=move || toasts.shown.get() key=|t| t.id let:toast>
                <div class="toast" data-testid="toast">
                    <span>{toast.text}</span>
                    <button type="button" class="link" aria-label="Dismiss" on:click=move |_| toasts.dismiss(toast.id)>"\u{d7}"</button>
                </div>
            </For>
        </div>
    }
}
