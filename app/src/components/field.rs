//! A labelled input with its error message underneath (client rules from `domain`, server
//! errors by field name).

use leptos::prelude::*;

#[component]
pub fn TextField(
    #[prop(into)] id: String,
    #[prop(into)] label: String,
    value: RwSignal<String>,
    #[prop(into, optional)] error: Signal<Option<String>>,
    #[prop(into, default = "text".to_string())] kind: String,
    #[prop(into, optional)] placeholder: String,
    #[prop(into, optional)] autocomplete: String,
    #[prop(into, optional)] hint: String,
    /// Called on every keystroke (the wizard marks the field touched).
    #[prop(optional)]
    on_input: Option<Callback<()>>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let has_hint = !hint.is_empty();
    view! {
        <div class="field" class:invalid=move || error.with(Option::is_some)>
            <label for=id.clone()>{label}</label>
            <input
                id=id
                type=kind
                placeholder=placeholder
                autocomplete=autocomplete
                aria-describedby=error_id.clone()
                prop:value=move || value.get()
                on:input=move |ev| {
                    value.set(event_target_value(&ev));
                    if let Some(callback) = on_input {
                        callback.run(());
                    }
                }
            />
            <Show when=move || has_hint && error.with(Option::is_none)>
                <p class="hint">{hint.clone()}</p>
            </Show>
            <p class="field-error" id=error_id role="alert">{move || error.get().unwrap_or_default()}</p>
        </div>
    }
}
