//! Admin: the audit log with the API's filters (actor, action, target, time range), newest
//! first, a page at a time.

use domain::api::AuditEventView;
use leptos::prelude::*;

use crate::api;
use crate::components::paged::{LoadMore, Paged};
use crate::components::require_sign_in::RequireSignIn;
use crate::format::timestamp;

#[component]
pub fn Audit() -> impl IntoView {
    view! { <RequireSignIn admin=true><AuditPage /></RequireSignIn> }
}

#[component]
fn AuditPage() -> impl IntoView {
    let actor = RwSignal::new(String::new());
    let action = RwSignal::new(String::new());
    let target = RwSignal::new(String::new());
    let since = RwSignal::new(String::new());
    let until = RwSignal::new(String::new());
    let paged = Paged::<AuditEventView>::new();
    let (items, next, error) = (paged.items, paged.next, paged.error);
    // Dates from the date inputs become epoch seconds (UTC midnight; `until` is inclusive).
    let epoch = |date: String, end: bool| -> String {
        if date.is_empty() {
            return date;
        }
        let ms = web_sys::js_sys::Date::parse(&date);
        if ms.is_nan() { String::new() } else { format!("{}", (ms / 1000.0) as i64 + if end { 86_399 } else { 0 }) }
    };
    let load = move |cursor: Option<String>| {
        let filters = vec![
            ("actor", actor.get_untracked()),
            ("action", action.get_untracked()),
            ("target", target.get_untracked()),
            ("since", epoch(since.get_untracked(), false)),
            ("until", epoch(until.get_untracked(), true)),
        ];
        paged.load(cursor, move |c| async move { api::audit(&filters, &c).await });
    };
    load(None);
    let field = |label: &'static str, signal: RwSignal<String>, kind: &'static str, placeholder: &'static str| {
        view! {
            <label class="filter">
                <span>{label}</span>
                <input type=kind placeholder=placeholder prop:value=move || signal.get() on:input=move |ev| signal.set(event_target_value(&ev)) />
            </label>
        }
    };
    view! {
        <section class="page-head"><h1>"Audit log"</h1></section>
        <form class="filters audit-filters card" on:submit=move |ev| { ev.prevent_default(); load(None); }>
            {field("Actor id", actor, "text", "user or key id")}
            {field("Action", action, "text", "connection. or token.issue")}
            {field("Target id", target, "text", "connection or user id")}
            {field("From", since, "date", "")}
            {field("To", until, "date", "")}
            <button type="submit">"Filter"</button>
        </form>
        {move || error.get().map(|e| view! { <p class="form-error">{e}</p> })}
        <table class="table" data-testid="audit-table">
            <thead><tr><th>"When"</th><th>"Actor"</th><th>"Action"</th><th>"Target"</th><th>"Outcome"</th><th>"Detail"</th></tr></thead>
            <tbody>
                <Show when=move || items.with(Vec::is_empty)>
                    <tr><td colspan="6" class="muted">"No events match."</td></tr>
                </Show>
                <For each=move || items.get() key=|e| e.id.clone() let:e>
                    <tr>
                        <td>{timestamp(e.at)}</td>
                        <td>
                            <span class="badge">{e.actor_kind.as_str()}</span>" "{e.actor_name.clone()}
                            <code class="id">{e.actor_id.clone().unwrap_or_default()}</code>
                        </td>
                        <td><code>{e.action.as_str()}</code></td>
                        <td>
                            {e.target_kind.clone().unwrap_or_default()}" "<strong>{e.target_name.clone()}</strong>
                            <code class="id">{e.target_id.clone().unwrap_or_default()}</code>
                        </td>
                        <td class=format!("outcome {}", e.outcome)>{e.outcome.as_str()}</td>
                        <td><code class="detail">{e.detail.to_string()}</code></td>
                    </tr>
                </For>
            </tbody>
        </table>
        <LoadMore next=next on_more=Callback::new(load) />
    }
}
