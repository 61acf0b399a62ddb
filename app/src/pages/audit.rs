//! Admin: the audit log with the API's filters (actor, action, target, time range), newest
//! first, a page at a time.

use domain::api::AuditEventView;
use leptos::prelude::*;

use crate::api;
use crate::components::feedback::Loaded;
use crate::components::paged::{LoadMore, Paged};
use crate::components::require_sign_in::RequireSignIn;
use crate::format::timestamp;

/// The filters as the API names them, as last applied.
type Filters = Vec<(&'static str, String)>;

#[component]
pub fn Audit() -> impl IntoView {
    view! { <RequireSignIn admin=true><AuditPage /></RequireSignIn> }
}

#[component]
fn AuditPage() -> impl IntoView {
    let applied = RwSignal::new(Filters::new());
    let paged = Paged::new(move |cursor| {
        let filters = applied.get();
        async move { api::audit(&filters, &cursor).await }
    });
    view! {
        <section class="page-head"><h1>"Audit log"</h1></section>
        <AuditFilters applied=applied />
        // Focusable: on a phone it scrolls sideways, and a keyboard must be able to scroll it.
        <table class="table" data-testid="audit-table" tabindex="0" aria-label="Audit events">
            <thead><tr><th>"When"</th><th>"Actor"</th><th>"Action"</th><th>"Target"</th><th>"Outcome"</th><th>"Detail"</th></tr></thead>
            <tbody>
                <Loaded columns=6 view=move || paged.items().map(|items| items.map(|items| {
                        if items.is_empty() {
                            return view! { <tr><td colspan="6" class="muted">"No events match."</td></tr> }.into_any();
                        }
                        items.into_iter().map(|event| view! { <AuditRow event=event /> }).collect_view().into_any()
                    })) />
            </tbody>
        </table>
        <LoadMore paged=paged />
    }
}

/// The filter form; "Filter" applies it.
#[component]
fn AuditFilters(applied: RwSignal<Filters>) -> impl IntoView {
    let actor = RwSignal::new(String::new());
    let action = RwSignal::new(String::new());
    let target = RwSignal::new(String::new());
    let since = RwSignal::new(String::new());
    let until = RwSignal::new(String::new());
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        applied.set(vec![
            ("actor", actor.get_untracked()),
            ("action", action.get_untracked()),
            ("target", target.get_untracked()),
            ("since", epoch(since.get_untracked(), false)),
            ("until", epoch(until.get_untracked(), true)),
        ]);
    };
    let field = |label: &'static str, signal: RwSignal<String>, kind: &'static str, placeholder: &'static str| {
        view! {
            <label class="filter">
                <span>{label}</span>
                <input type=kind placeholder=placeholder prop:value=move || signal.get() on:input=move |ev| signal.set(event_target_value(&ev)) />
            </label>
        }
    };
    view! {
        <form class="filters audit-filters card" on:submit=apply>
            {field("Actor id", actor, "text", "user or key id")}
            {field("Action", action, "text", "connection. or token.issue")}
            {field("Target id", target, "text", "connection or user id")}
            {field("From", since, "date", "")}
            {field("To", until, "date", "")}
            <button type="submit">"Filter"</button>
        </form>
    }
}

/// A date from a date input as epoch seconds (UTC midnight; `until` is inclusive).
fn epoch(date: String, end: bool) -> String {
    if date.is_empty() {
        return date;
    }
    let ms = web_sys::js_sys::Date::parse(&date);
    if ms.is_nan() { String::new() } else { format!("{}", (ms / 1000.0) as i64 + if end { 86_399 } else { 0 }) }
}

#[component]
fn AuditRow(event: AuditEventView) -> impl IntoView {
    let e = event;
    view! {
        <tr>
            <td>{timestamp(e.at)}</td>
            <td>
                <span class="badge">{e.actor_kind.as_str()}</span>" "{e.actor_name}
                <code class="id">{e.actor_id.unwrap_or_default()}</code>
            </td>
            <td><code>{e.action.as_str()}</code></td>
            <td>
                {e.target_kind.map(domain::audit::TargetKind::as_str).unwrap_or_default()}" "<strong>{e.target_name}</strong>
                <code class="id">{e.target_id.unwrap_or_default()}</code>
            </td>
            <td class=format!("outcome {}", e.outcome)>{e.outcome.as_str()}</td>
            <td><code class="detail">{e.detail.to_string()}</code></td>
        </tr>
    }
}
