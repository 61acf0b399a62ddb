//! One connection: its settings (never the secret, only whether one is stored), status, invited
//! roles; edit and delete for managers.

use domain::api::{ConnectionView, InvitableRole};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::api;
use crate::app::ConfigResource;
use crate::components::consent::{ConsentOutcome, start_consent};
use crate::components::feedback::{Loaded, Outcome};
use crate::components::invite_editor::InviteEditor;
use crate::components::require_sign_in::RequireSignIn;
use crate::components::status_badge::StatusBadge;
use crate::components::token_status::TokenStatus;
use crate::format::timestamp;
use crate::io::{load, write};
use crate::session::{Session, use_session};

/// What the last authorize, test or delete said.
type Said = RwSignal<Option<Result<String, String>>>;

#[component]
pub fn ConnectionDetail() -> impl IntoView {
    view! { <RequireSignIn><DetailPage /></RequireSignIn> }
}

#[component]
fn DetailPage() -> impl IntoView {
    let params = use_params_map();
    let connection = load(move || {
        let id = params.with(|p| p.get("id")).unwrap_or_default();
        async move { api::connection(&id).await }
    });
    let reload = Callback::new(move |()| connection.refetch());
    // Outlives a reload of the connection, which renders it anew.
    let said: Said = RwSignal::new(None);
    view! {
        <Loaded way_out=|| view! { <A href="/connections">"All connections"</A> } view=move || connection.get().map(|c| c.map(|c| view! { <Detail connection=c said=said reload=reload /> }.into_any())) />
    }
}

#[component]
fn Detail(connection: ConnectionView, said: Said, reload: Callback<()>) -> impl IntoView {
    let manager = use_session().with_untracked(Session::can_manage_connections);
    let c = connection;
    view! {
        <section class="page-head">
            <h1>{c.name.clone()}" "<StatusBadge status=c.status /></h1>
            {manager.then(|| view! { <ManageActions id=c.id.clone() said=said /> })}
        </section>
        <Outcome said=said testid="detail-outcome" />
        {c.tokens_stale.then(|| view! { <p class="notice">"Credentials changed since the stored tokens were issued: test the connection again."</p> })}
        <section class="card">
            <p class="lead">{c.description.clone()}</p>
            <Facts connection=c.clone() manager=manager said=said reload=reload />
        </section>
        {manager.then(|| view! { <InviteEditor connection_id=c.id invited=c.invited_role_ids on_saved=reload /> })}
    }
}

/// Edit and delete (after a confirmation).
#[component]
fn ManageActions(id: String, said: Said) -> impl IntoView {
    let navigate = use_navigate();
    let delete = {
        let id = id.clone();
        write(move || {
            let (id, navigate) = (id.clone(), navigate.clone());
            async move {
                match api::delete_connection(&id).await {
                    Ok(()) => navigate("/connections", Default::default()),
                    Err(e) => said.set(Some(Err(e.message()))),
                }
                Ok(String::new())
            }
        })
    };
    let confirm_delete = move |_| {
        let confirmed = web_sys::window()
            .and_then(|w| {
                w.confirm_with_message(
                    "Delete this connection? Its secret and tokens are removed; bots using it will fail.",
                )
                .ok()
            })
            .unwrap_or(false);
        if confirmed {
            delete.dispatch(());
        }
    };
    view! {
        <div class="actions">
            <A href=format!("/connections/{id}/edit") attr:class="button">"Edit"</A>
            <button type="button" class="danger" disabled=delete.pending() on:click=confirm_delete>"Delete"</button>
        </div>
    }
}

/// The settings as stored, the shared token, and who is invited.
#[component]
fn Facts(connection: ConnectionView, manager: bool, said: Said, reload: Callback<()>) -> impl IntoView {
    let config = expect_context::<ConfigResource>();
    let callback = move || config.get().and_then(Result::ok).map(|c| c.callback_url).unwrap_or_default();
    let c = connection;
    view! {
        <dl class="facts" data-testid="connection-facts">
            <dt>"Provider"</dt><dd>{c.provider.provider().name}</dd>
            <dt>"Grant type"</dt><dd>{c.grant_type.label()}</dd>
            <dt>"Client ID"</dt><dd><code>{c.client_id.clone()}</code></dd>
            <dt>"Client secret"</dt><dd>{if c.client_secret_set { "Stored, encrypted" } else { "None (public client)" }}</dd>
            {(!c.authorization_url.is_empty()).then(|| view! { <dt>"Authorization URL"</dt><dd><code>{c.authorization_url.clone()}</code></dd> })}
            <dt>"Token URL"</dt><dd><code>{c.token_url.clone()}</code></dd>
            {(!c.revocation_url.is_empty()).then(|| view! { <dt>"Revocation URL"</dt><dd><code>{c.revocation_url.clone()}</code></dd> })}
            {(!c.issuer.is_empty()).then(|| view! { <dt>"Issuer"</dt><dd><code data-testid="issuer">{c.issuer.clone()}</code>{c.iss_required.then_some(" (answers must name it)")}</dd> })}
            <dt>"Scopes"</dt><dd>{c.scopes.iter().map(|s| view! { <span class="badge">{s.clone()}</span> }).collect_view()}</dd>
            <dt>"Client authentication"</dt><dd><code>{c.client_auth_method.as_str()}</code></dd>
            <dt>"Shared token"</dt><dd><SharedToken connection=c.clone() manager=manager said=said reload=reload /></dd>
            <dt>"Callback URL"</dt><dd><code>{callback}</code></dd>
            <dt>"Invited roles"</dt><dd><InvitedRoles ids=c.invited_role_ids manager=manager /></dd>
            <dt>"Updated"</dt><dd>{timestamp(c.updated_at)}</dd>
        </dl>
    }
}

/// The shared token's state; managers authorize it (consent) or test it (client credentials).
#[component]
fn SharedToken(connection: ConnectionView, manager: bool, said: Said, reload: Callback<()>) -> impl IntoView {
    let consent = connection.grant_type.uses_consent();
    let busy = RwSignal::new(false);
    let done = Callback::new(move |o: ConsentOutcome| {
        busy.set(false);
        said.set(Some(if o.ok { Ok(o.message) } else { Err(o.message) }));
        reload.run(());
    });
    let id = connection.id.clone();
    let test = {
        let id = id.clone();
        write(move || {
            let id = id.clone();
            async move {
                let outcome = match api::test_connection(&id).await {
                    Ok(t) => ConsentOutcome { ok: t.ok, purpose: None, code: None, message: t.detail },
                    Err(e) => ConsentOutcome { ok: false, purpose: None, code: None, message: e.message() },
                };
                done.run(outcome);
                Ok(String::new())
            }
        })
    };
    let authorize = move |_| {
        said.set(None);
        if consent {
            busy.set(true);
            start_consent(id.clone(), domain::consent::ConsentPurpose::Shared, done);
        } else {
            test.dispatch(());
        }
    };
    view! {
        {if consent {
            view! { <TokenStatus token=connection.shared_token testid="shared-token" /> }.into_any()
        } else {
            view! { <span class="muted">"Fetched with client credentials when a bot asks"</span> }.into_any()
        }}
        {manager.then(|| view! {
            <button type="button" class="secondary small" id="authorize-shared" disabled=move || busy.get() || test.pending().get() on:click=authorize>
                {if consent { "Authorize shared token" } else { "Test connection" }}
            </button>
        })}
    }
}

/// Invited roles by name (names come with the invitable roles, which only managers may list).
#[component]
fn InvitedRoles(ids: Vec<String>, manager: bool) -> impl IntoView {
    if ids.is_empty() {
        return view! { <span class="muted">"None yet"</span> }.into_any();
    }
    let roles =
        load(
            move || async move { if manager { api::invitable_roles().await.unwrap_or_default() } else { Vec::new() } },
        );
    let name = move |id: &String, roles: &[InvitableRole]| {
        roles.iter().find(|r| &r.id == id).map(|r| r.name.clone()).unwrap_or_else(|| id.clone())
    };
    (move || {
        let roles = roles.get().unwrap_or_default();
        ids.iter().map(|id| view! { <span class="badge">{name(id, &roles)}</span> }).collect_view()
    })
    .into_any()
}
