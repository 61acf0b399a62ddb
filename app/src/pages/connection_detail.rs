//! One connection: its settings (never the secret, only whether one is stored), status, invited
//! roles; edit and delete for managers.

use domain::api::{ConnectionView, RoleName, TokenStatusView};
use domain::readiness::{Readiness, SharedTokenState};
use leptos::prelude::*;

use crate::api;
use crate::app::ConfigResource;
use crate::components::bot_panel::BotPanel;
use crate::components::confirm::ConfirmDialog;
use crate::components::consent::{ConsentOutcome, start_consent};
use crate::components::feedback::{Loaded, Outcome};
use crate::components::invite_editor::InviteEditor;
use crate::components::require_sign_in::RequireSignIn;
use crate::components::status_badge::StatusBadge;
use crate::components::toast::use_toasts;
use crate::format::timestamp;
use crate::io::{load, write};
use crate::nav::use_navigate;
use crate::session::{Session, use_session};

/// What the last authorize, test or delete said.
type Said = RwSignal<Option<Result<String, String>>>;

#[component]
pub fn ConnectionDetail(id: String) -> impl IntoView {
    view! { <RequireSignIn><DetailPage id=id.clone() /></RequireSignIn> }
}

#[component]
fn DetailPage(id: String) -> impl IntoView {
    let connection = load(move || {
        let id = id.clone();
        async move { api::connection(&id).await }
    });
    let reload = Callback::new(move |()| connection.refetch());
    // Outlives a reload of the connection, which renders it anew.
    let said: Said = RwSignal::new(None);
    view! {
        <Loaded way_out=|| view! { <a href="/connections">"All connections"</a> } view=move || connection.get().map(|c| c.map(|c| view! { <Detail connection=c said=said reload=reload /> }.into_any())) />
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
        {c.readiness.banner.map(|b| view! {
            <p class=format!("notice banner-{}", b.as_str()) data-testid="connection-banner" data-banner=b.as_str()>{b.message(c.grant_type)}</p>
        })}
        {(!manager).then(|| view! { <UseRefusal id=c.id.clone() /> })}
        <section class="card">
            <p class="lead">{c.description.clone()}</p>
            <Facts connection=c.clone() manager=manager said=said reload=reload />
        </section>
        <BotPanel connection=c.clone() />
        {manager.then(|| view! { <InviteEditor connection_id=c.id invited=c.invited_role_ids on_saved=reload /> })}
    }
}

/// Edit and delete (after a confirmation in a dialog).
#[component]
fn ManageActions(id: String, said: Said) -> impl IntoView {
    let navigate = use_navigate();
    let toasts = use_toasts();
    let delete = {
        let id = id.clone();
        write(move || {
            let (id, navigate) = (id.clone(), navigate);
            async move {
                match api::delete_connection(&id).await {
                    Ok(()) => {
                        toasts.ok("Connection deleted.");
                        navigate("/connections");
                    }
                    Err(e) => said.set(Some(Err(e.message()))),
                }
                Ok(String::new())
            }
        })
    };
    let asking = RwSignal::new(false);
    view! {
        <div class="actions">
            <a href=format!("/connections/{id}/edit") class="button">"Edit"</a>
            <button type="button" class="danger" disabled=delete.pending() on:click=move |_| asking.set(true)>"Delete"</button>
        </div>
        <ConfirmDialog open=asking title="Delete this connection?"
            body="Its secret and tokens are removed; bots using it will fail. This cannot be undone."
            confirm="Delete connection" on_confirm=Callback::new(move |()| { delete.dispatch(()); }) />
    }
}

/// For someone who cannot use the connection: why, and whom to ask.
#[component]
fn UseRefusal(id: String) -> impl IntoView {
    let access = load(move || {
        let id = id.clone();
        async move { api::connection_access(&id).await }
    });
    move || {
        let access = access.get().and_then(Result::ok)?;
        let refusal = access.refusal?;
        Some(view! {
            <section class="notice" data-testid="use-refusal">
                <p>{refusal.explain()}</p>
                {(!access.contacts.is_empty()).then(|| view! {
                    <p>"Ask: "{access.contacts.into_iter().enumerate().map(|(i, c)| view! {
                        {(i > 0).then_some(", ")}
                        <a href=format!("mailto:{}", c.email)>{c.display_name}</a>" ("{c.email}")"
                    }).collect_view()}</p>
                })}
            </section>
        })
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
            <dt>"Connection ID (bots use it)"</dt><dd><code data-testid="connection-id">{c.id.clone()}</code></dd>
            <dt>"Provider"</dt><dd>{c.provider.provider().name}</dd>
            <dt>"Grant type"</dt><dd>{c.grant_type.label()}</dd>
            <dt>"Client ID"</dt><dd><code>{c.client_id.clone()}</code></dd>
            <dt>"Client secret"</dt><dd>{if c.client_secret_set { "Stored, encrypted" } else { "None (public client)" }}</dd>
            {(!c.authorization_url.is_empty()).then(|| view! { <dt>"Authorization URL"</dt><dd><code>{c.authorization_url.clone()}</code></dd> })}
            <dt>"Token URL"</dt><dd><code>{c.token_url.clone()}</code></dd>
            <dt>"API base URL"</dt>
            <dd data-testid="api-base-url">{match c.api_base_url.clone() {
                Some(base) => view! { <code>{base}</code> }.into_any(),
                None => view! { <span class="hint">"None: the proxy is off until a manager sets one"</span> }.into_any(),
            }}</dd>
            <dt>"Scopes"</dt><dd>{if c.scopes.is_empty() {
                view! { <span class="muted">"None (the provider's default)"</span> }.into_any()
            } else {
                c.scopes.iter().map(|s| view! { <span class="badge">{s.clone()}</span> }).collect_view().into_any()
            }}</dd>
            {(!c.revocation_url.is_empty()).then(|| view! { <dt>"Revocation URL"</dt><dd><code>{c.revocation_url.clone()}</code></dd> })}
            {(!c.issuer.is_empty()).then(|| view! { <dt>"Issuer"</dt><dd><code data-testid="issuer">{c.issuer.clone()}</code>{c.iss_required.then_some(" (answers must name it)")}</dd> })}
            <dt>"Client authentication"</dt><dd><code>{c.client_auth_method.as_str()}</code></dd>
            <dt>"Shared token"</dt><dd><SharedToken connection=c.clone() manager=manager said=said reload=reload /></dd>
            <dt>"Callback URL"</dt><dd><code>{callback}</code></dd>
            <dt>"Invited roles"</dt><dd><InvitedRoles roles=c.invited_roles /></dd>
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
    let failed = move || matches!(said.get(), Some(Err(_)));
    let label = move || match (failed(), consent) {
        (true, _) => "Try again",
        (false, true) => "Authorize shared token",
        (false, false) => "Test connection",
    };
    view! {
        <SharedTokenLine readiness=connection.readiness token=connection.shared_token />
        {manager.then(|| view! {
            <button type="button" class="secondary small" id="authorize-shared" disabled=move || busy.get() || test.pending().get() on:click=authorize>
                {move || if busy.get() || test.pending().get() { "Waiting for the provider…" } else { label() }}
            </button>
        })}
    }
}

/// The shared token as `domain::readiness` reads it, with its expiry, last refresh and error.
#[component]
fn SharedTokenLine(readiness: Readiness, token: Option<TokenStatusView>) -> impl IntoView {
    let state = readiness.shared_token;
    let until = token
        .as_ref()
        .and_then(|t| t.expires_at)
        .filter(|_| matches!(state, SharedTokenState::Valid | SharedTokenState::Outdated));
    let headline = match (state, until) {
        (SharedTokenState::Valid, Some(at)) => format!("Valid until {}", timestamp(at)),
        (_, Some(at)) => format!("{}; valid until {}", state.label(), timestamp(at)),
        (_, None) => state.label().to_string(),
    };
    view! {
        <span class=format!("token-status {}", state.as_str()) data-testid="shared-token" data-status=state.as_str()>
            <strong>{headline}</strong>
            {token.as_ref().and_then(|t| t.last_refresh_at).map(|at| view! { <span class="muted">" · last refresh "{timestamp(at)}</span> })}
            {token.and_then(|t| t.last_error).map(|e| view! { <span class="error">" · last error: "{e}</span> })}
        </span>
    }
}

/// Invited roles by name, as the connection's view brings them (everyone who may view it).
#[component]
fn InvitedRoles(roles: Vec<RoleName>) -> impl IntoView {
    if roles.is_empty() {
        return view! { <span class="muted">"None yet"</span> }.into_any();
    }
    roles.into_iter().map(|r| view! { <span class="badge">{r.name}</span> }).collect_view().into_any()
}
