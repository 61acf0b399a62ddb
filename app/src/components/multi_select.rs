//! A searchable multi-select: a search box over a checkbox list. Used for role members here and
//! for invited roles in the connection wizard.

use leptos::prelude::*;

/// One choice: id, main label, and a second line (an email, a description).
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub id: String,
    pub label: String,
    pub detail: String,
}

#[component]
pub fn MultiSelect(
    #[prop(into)] id: String,
    #[prop(into)] label: String,
    #[prop(into)] choices: Signal<Vec<Choice>>,
    selected: RwSignal<Vec<String>>,
    #[prop(into, default = "Search…".to_string())] placeholder: String,
) -> impl IntoView {
    let search = RwSignal::new(String::new());
    let visible = move || {
        let needle = search.get().trim().to_lowercase();
        choices
            .get()
            .into_iter()
            .filter(|c| {
                needle.is_empty()
                    || c.label.to_lowercase().contains(&needle)
                    || c.detail.to_lowercase().contains(&needle)
            })
            .collect::<Vec<_>>()
    };
    let search_id = format!("{id}-search");
    view! {
        <fieldset class="multi-select" id=id>
            <legend>{label}</legend>
            <input
                id=search_id
                class="search"
                type="search"
                placeholder=placeholder
                prop:value=move || search.get()
                on:input=move |ev| search.set(event_target_value(&ev))
            />
            <p class="muted">{move || format!("{} selected", selected.with(Vec::len))}</p>
            <ul class="choices">
                <For each=visible key=|c| c.id.clone() let:choice>
                    <ChoiceItem choice=choice selected=selected />
                </For>
            </ul>
            <Show when=move || visible().is_empty()>
                <p class="muted">"Nothing matches."</p>
            </Show>
        </fieldset>
    }
}

/// One choice: a checkbox that adds or removes it.
#[component]
fn ChoiceItem(choice: Choice, selected: RwSignal<Vec<String>>) -> impl IntoView {
    let id_for_check = choice.id.clone();
    let toggle = move |_| {
        selected.update(|ids| {
            if let Some(at) = ids.iter().position(|i| *i == choice.id) {
                ids.remove(at);
            } else {
                ids.push(choice.id.clone());
            }
        })
    };
    view! {
        <li>
            <label class="choice">
                <input type="checkbox" prop:checked=move || selected.with(|s| s.contains(&id_for_check)) on:change=toggle />
                <span class="choice-label">{choice.label}</span>
                <span class="choice-detail">{choice.detail}</span>
            </label>
        </li>
    }
}
