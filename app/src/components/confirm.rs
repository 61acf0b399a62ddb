//! A confirmation in a modal `<dialog>`: the browser traps focus inside it and makes the page
//! behind it inert; Escape (the dialog's `cancel`) and "Cancel" close it without acting. Focus
//! starts on "Cancel", so Enter on a reflex does nothing harmful, and returns where it was.

use leptos::html::Dialog;
use leptos::prelude::*;

/// Open while `open` is true; `on_confirm` runs when the person confirms.
#[component]
pub fn ConfirmDialog(
    open: RwSignal<bool>,
    #[prop(into)] title: String,
    #[prop(into)] body: String,
    #[prop(into)] confirm: String,
    on_confirm: Callback<()>,
) -> impl IntoView {
    let dialog = NodeRef::<Dialog>::new();
    let label = title.clone();
    Effect::new(move || {
        let wanted = open.get();
        if let Some(dialog) = dialog.get() {
            if wanted && !dialog.open() {
                let _ = dialog.show_modal();
            } else if !wanted && dialog.open() {
                dialog.close();
            }
        }
    });
    view! {
        <dialog node_ref=dialog class="confirm" aria-label=label data-testid="confirm-dialog"
            on:close=move |_| open.set(false)>
            <h2>{title}</h2>
            <p>{body}</p>
            <div class="actions">
                <button type="button" class="secondary" autofocus on:click=move |_| open.set(false)>"Cancel"</button>
                <button type="button" class="danger" data-testid="confirm" on:click=move |_| {
                    open.set(false);
                    on_confirm.run(());
                }>{confirm}</button>
            </div>
        </dialog>
    }
}
