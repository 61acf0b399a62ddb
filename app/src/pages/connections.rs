//! OAuth connections: search, filter by provider and status, page through; managers create.

use domain::api::ConnectionView;
use leptos::prelude::*;
use leptos_router::components::A;

use crate::api;
use crate::components::paged::{LoadMore, Paged};
use crate::components::require_sign_in::RequireSignIn;
use crate::components::status_badge::StatusBadge;
use crate::session::Session;

#[component]
pub fn Connections() -> impl IntoView {
    view! { <RequireSignIn><ConnectionsPage /></RequireSignIn> }
}

#[component]
fn ConnectionsPage() -> impl IntoView {
    let session = Session::get();
    let q = RwSignal::new(String::new());
    let provider = RwSignal::new(String::new());
    let status = RwSignal::new(String::new());
    let paged = Paged::<ConnectionView>::new();
    let (items, next, error) = (paged.items, paged.next, paged.error);
    let providers = LocalResource::new(api::providers);
    let provider_name = move |kind: &str| {
        providers
            .get()
            .and_then(Result::ok)
            .and_then(|ps| ps.into_iter().find(|p| p.kind.as_str() == kind).map(|p| p.name))
            .unwrap_or_else(|| kind.to_string())
    };

    // The first page again whenever a filter changes; "Load more" appends.
    let load = move |cursor: Option<String>| {
        let (q, p, s) = (q.get_untracked(), provider.get_untracked(), status.get_untracked());
        paged.load(cursor, move |c| async move { api::connections(&q, &p, &s, &c).await });
    };
    Effect::new(move |_| {
        q.track();
        provider.track();
        status.track();
        load(None);
    });

    view! {
        <section class="page-head">
            <h1>"OAuth connections"</h1>
            <Show when=move || session.can_manage_connections()>
                <A href="/connections/new" attr:class="button">"Create connection"</A>
            </Show>
        </section>
        <div class="filters">
            <input class="search" type="search" placeholder="Search name or description" aria-label="Search connections"
                prop:value=move || q.get() on:input=move |ev| q.set(event_target_value(&ev)) />
            <select aria-label="Provider" on:change=move |ev| provider.set(event_target_value(&ev))>
                <option value="">"All providers"</option>
                {move || providers.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|p| view! {
                    <option value=p.kind.as_str()>{p.name}</option>
                }).collect_view()}
            </select>
            <select aria-label="Status" on:change=move |ev| status.set(event_target_value(&ev))>
                <option value="">"Any status"</option>
                <option value="draft">"Not tested"</option>
                <option value="ready">"Ready"</option>
                <option value="needs_reauth">"Needs re-authorization"</option>
            </select>
        </div>
        {move || error.get().map(|e| view! { <p class="form-error">{e}</p> })}
        <table class="table" data-testid="connections-table">
            <thead><tr><th>"Name"</th><th>"Provider"</th><th>"Grant"</th><th>"Status"</th><th>"Invited roles"</th></tr></thead>
            <tbody>
                <Show when=move || items.with(Vec::is_empty)>
                    <tr><td colspan="5" class="muted">"No connections match."</td></tr>
                </Show>
                <For each=move || items.get() key=|c| (c.id.clone(), c.updated_at) let:c>
                    <tr>
                        <td><A href=format!("/connections/{}", c.id)>{c.name.clone()}</A><div class="muted">{c.description.clone()}</div></td>
                        <td>{provider_name(c.provider.as_str())}</td>
                        <td>{c.grant_type.label()}</td>
                        <td><StatusBadge status=c.status /></td>
                        <td>{c.invited_role_ids.len()}</td>
                    </tr>
                </For>
            </tbody>
        </table>
        <LoadMore next=next on_more=Callback::new(load) />
    }
}
