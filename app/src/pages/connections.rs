//! OAuth connections: search, filter by provider and status, sort by a column (on the server: the
//! list is paged), page through; managers create.

use domain::api::{ConnectionView, ProviderView};
use domain::list_order::{ConnectionSort, SortDirection};
use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::components::feedback::Loaded;
use crate::components::paged::{LoadMore, Paged};
use crate::components::require_sign_in::RequireSignIn;
use crate::components::status_badge::StatusBadge;
use crate::format::timestamp;
use crate::io::{Fetch, load};
use crate::session::{Session, use_session};

type Providers = Fetch<Result<Vec<ProviderView>, ApiError>>;

#[component]
pub fn Connections() -> impl IntoView {
    view! { <RequireSignIn><ConnectionsPage /></RequireSignIn> }
}

#[component]
fn ConnectionsPage() -> impl IntoView {
    let session = use_session();
    let q = RwSignal::new(String::new());
    let provider = RwSignal::new(String::new());
    let status = RwSignal::new(String::new());
    let order = RwSignal::new((ConnectionSort::Name, ConnectionSort::Name.first_direction()));
    let providers: Providers = load(api::providers);
    // The first page again whenever a filter or the order changes; "Load more" appends.
    let paged = Paged::new(move |cursor| {
        let (q, p, s, o) = (q.get(), provider.get(), status.get(), order.get());
        async move { api::connections(&q, &p, &s, o, &cursor).await }
    });
    view! {
        <section class="page-head">
            <h1>"OAuth connections"</h1>
            <Show when=move || session.with(Session::can_manage_connections)>
                <a href="/connections/new" class="button">"Create connection"</a>
            </Show>
        </section>
        <Filters q=q provider=provider status=status providers=providers />
        <table class="table cards" data-testid="connections-table">
            <thead><tr>
                <SortHeader label="Name" sort=ConnectionSort::Name order=order />
                <SortHeader label="Provider" sort=ConnectionSort::Provider order=order />
                <th>"Grant"</th>
                <SortHeader label="Status" sort=ConnectionSort::Status order=order />
                <th>"Invited roles"</th>
                <SortHeader label="Updated" sort=ConnectionSort::Updated order=order />
            </tr></thead>
            <tbody>
                <Loaded columns=6 view=move || paged.items().map(|items| items.map(|items| {
                        if items.is_empty() {
                            return view! { <tr><td colspan="6" class="muted">"No connections match."</td></tr> }.into_any();
                        }
                        items.into_iter().map(|c| view! { <Row connection=c /> }).collect_view().into_any()
                    })) />
            </tbody>
        </table>
        <LoadMore paged=paged />
    }
}

/// A column heading that sorts by its column; chosen again, the other way round.
#[component]
fn SortHeader(
    label: &'static str,
    sort: ConnectionSort,
    order: RwSignal<(ConnectionSort, SortDirection)>,
) -> impl IntoView {
    let current = move || order.with(|(s, d)| (*s == sort).then_some(*d));
    let aria = move || match current() {
        Some(SortDirection::Asc) => "ascending",
        Some(SortDirection::Desc) => "descending",
        None => "none",
    };
    let arrow = move || match current() {
        Some(SortDirection::Asc) => "\u{25b2}",
        Some(SortDirection::Desc) => "\u{25bc}",
        None => "",
    };
    let choose = move |_| {
        order.set(match current() {
            Some(direction) => (sort, direction.flipped()),
            None => (sort, sort.first_direction()),
        })
    };
    view! {
        <th aria-sort=aria>
            <button type="button" class="sort" data-sort=sort.as_str() on:click=choose>
                {label}<span class="arrow" aria-hidden="true">{arrow}</span>
            </button>
        </th>
    }
}

#[component]
fn Filters(
    q: RwSignal<String>,
    provider: RwSignal<String>,
    status: RwSignal<String>,
    providers: Providers,
) -> impl IntoView {
    view! {
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
    }
}

#[component]
fn Row(connection: ConnectionView) -> impl IntoView {
    let c = connection;
    // The catalogue is compiled in (`domain::provider`): the name is there before any request.
    let provider_name = c.provider.provider().name;
    view! {
        <tr>
            <td><a href=format!("/connections/{}", c.id)>{c.name.clone()}</a><div class="muted">{c.description.clone()}</div></td>
            <td data-label="Provider">{provider_name}</td>
            <td data-label="Grant">{c.grant_type.label()}</td>
            <td data-label="Status"><StatusBadge status=c.status /></td>
            <td data-label="Invited roles">{c.invited_role_ids.len()}</td>
            <td data-label="Updated" class="muted">{timestamp(c.updated_at)}</td>
        </tr>
    }
}
