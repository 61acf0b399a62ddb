//! One connection: its settings (never the secret, only whether one is stored), status, invited
//! roles; edit and delete for managers.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::api;
use crate::app::ConfigResource;
use crate::components::consent::{ConsentOutcome, start_consent};
use crate::components::invite_editor::InviteEditor;
use crate::components::require_sign_in::RequireSignIn;
use crate::components::status_badge::StatusBadge;
use crate::components::token_status::TokenStatus;
use crate::format::timestamp;
use crate::session::Session;

#[component]
pub fn ConnectionDetail() -> impl IntoView {
    view! { <RequireSignIn><DetailPage /></RequireSignIn> }
}

#[component]
fn DetailPage() -> impl IntoView {
    let session = Session::get();
    let config = expect_context::<ConfigResource>();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id")).unwrap_or_default();
    let connection = LocalResource::new(move || {
        let id = id();
        async move { api::connection(&id).await }
    });
    let roles = LocalResource::new(move || async move {
        if Session::get().can_manage_connections() {
            api::invitable_roles().await.unwrap_or_default()
        } else {
            Vec::new()
        }
    });
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let done = Callback::new(move |o: ConsentOutcome| {
        busy.set(false);
        if o.ok {
            notice.set(Some(o.message));
            error.set(None);
        } else {
            error.set(Some(o.message));
        }
        connection.refetch();
    });
    let navigate = use_navigate();
    let delete = move |_| {
        let confirmed = web_sys::window()
            .and_then(|w| {
                w.confirm_with_message(
                    "Delete this connection? Its secret and tokens are removed; bots using it will fail.",
                )
                .ok()
            })
            .unwrap_or(false);
        if !confirmed {
            return;
        }
        let navigate = navigate.clone();
        let id = id();
        spawn_local(async move {
            match api::delete_connection(&id).await {
                Ok(()) => navigate("/connections", Default::default()),
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    view! {
        {move || match connection.get() {
            None => view! { <p class="muted">"Loading…"</p> }.into_any(),
            Some(Err(e)) => view! { <section class="card"><p class="error">{e.message()}</p><A href="/connections">"All connections"</A></section> }.into_any(),
            Some(Ok(c)) => {
                let role_names: Vec<String> = c.invited_role_ids.iter().map(|rid| {
                    roles.get().unwrap_or_default().into_iter().find(|r| &r.id == rid).map(|r| r.name).unwrap_or_else(|| rid.clone())
                }).collect();
                let callback = config.get().and_then(Result::ok).map(|c| c.callback_url).unwrap_or_default();
                let delete = delete.clone();
                let (editor_id, editor_invited) = (c.id.clone(), c.invited_role_ids.clone());
                let consent_grant = c.grant_type.uses_consent();
                let id_for_auth = c.id.clone();
                let authorize_shared = move |_| {
                    busy.set(true);
                    notice.set(None);
                    if consent_grant {
                        start_consent(id_for_auth.clone(), domain::consent::ConsentPurpose::Shared, done);
                    } else {
                        let id = id_for_auth.clone();
                        spawn_local(async move {
                            let outcome = match api::test_connection(&id).await {
                                Ok(t) => ConsentOutcome { ok: t.ok, purpose: None, code: None, message: t.detail },
                                Err(e) => ConsentOutcome { ok: false, purpose: None, code: None, message: e.message() },
                            };
                            done.run(outcome);
                        });
                    }
                };
                view! {
                    <section class="page-head">
                        <h1>{c.name.clone()}" "<StatusBadge status=c.status /></h1>
                        <Show when=move || session.can_manage_connections()>
                            <div class="actions">
                                <A href=format!("/connections/{}/edit", c.id) attr:class="button">"Edit"</A>
                                <button type="button" class="danger" on:click=delete.clone()>"Delete"</button>
                            </div>
                        </Show>
                    </section>
                    {move || error.get().map(|e| view! { <p class="form-error" data-testid="detail-error">{e}</p> })}
                    {move || notice.get().map(|n| view! { <p class="notice success" data-testid="detail-notice">{n}</p> })}
                    {c.tokens_stale.then(|| view! { <p class="notice">"Credentials changed since the stored tokens were issued: test the connection again."</p> })}
                    <section class="card">
                        <p class="lead">{c.description.clone()}</p>
                        <dl class="facts" data-testid="connection-facts">
                            <dt>"Provider"</dt><dd>{c.provider.provider().name}</dd>
                            <dt>"Grant type"</dt><dd>{c.grant_type.label()}</dd>
                            <dt>"Client ID"</dt><dd><code>{c.client_id.clone()}</code></dd>
                            <dt>"Client secret"</dt><dd>{if c.client_secret_set { "Stored, encrypted" } else { "None (public client)" }}</dd>
                            {(!c.authorization_url.is_empty()).then(|| view! { <dt>"Authorization URL"</dt><dd><code>{c.authorization_url.clone()}</code></dd> })}
                            <dt>"Token URL"</dt><dd><code>{c.token_url.clone()}</code></dd>
                            <dt>"Scopes"</dt><dd>{c.scopes.iter().map(|s| view! { <span class="badge">{s.clone()}</span> }).collect_view()}</dd>
                            <dt>"Client authentication"</dt><dd><code>{c.client_auth_method.as_str()}</code></dd>
                            <dt>"Shared token"</dt>
                            <dd>
                                {if consent_grant {
                                    view! { <TokenStatus token=c.shared_token.clone() testid="shared-token" /> }.into_any()
                                } else {
                                    view! { <span class="muted">"Fetched with client credentials when a bot asks"</span> }.into_any()
                                }}
                                <Show when=move || session.can_manage_connections()>
                                    <button type="button" class="secondary small" id="authorize-shared" disabled=move || busy.get() on:click=authorize_shared.clone()>
                                        {if consent_grant { "Authorize shared token" } else { "Test connection" }}
                                    </button>
                                </Show>
                            </dd>
                            <dt>"Callback URL"</dt><dd><code>{callback}</code></dd>
                            <dt>"Invited roles"</dt><dd>{if role_names.is_empty() { view! { <span class="muted">"None yet"</span> }.into_any() } else { role_names.into_iter().map(|n| view! { <span class="badge">{n}</span> }).collect_view().into_any() }}</dd>
                            <dt>"Updated"</dt><dd>{timestamp(c.updated_at)}</dd>
                        </dl>
                    </section>
                    {session.can_manage_connections().then(|| view! {
                        <InviteEditor connection_id=editor_id invited=editor_invited on_saved=Callback::new(move |()| connection.refetch()) />
                    })}
                }.into_any()
            }
        }}
    }
}
