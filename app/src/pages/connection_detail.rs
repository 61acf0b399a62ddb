//! One connection: its settings (never the secret, only whether one is stored), status, invited
//! roles; edit and delete for managers.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::api;
use crate::app::ConfigResource;
use crate::components::require_sign_in::RequireSignIn;
use crate::components::status_badge::StatusBadge;
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
                    {move || error.get().map(|e| view! { <p class="form-error">{e}</p> })}
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
                            <dt>"Shared token"</dt><dd>{if c.save_credentials { "Kept from a successful test" } else { "Not kept (tests only report)" }}</dd>
                            <dt>"Callback URL"</dt><dd><code>{callback}</code></dd>
                            <dt>"Invited roles"</dt><dd>{if role_names.is_empty() { view! { <span class="muted">"None yet"</span> }.into_any() } else { role_names.into_iter().map(|n| view! { <span class="badge">{n}</span> }).collect_view().into_any() }}</dd>
                            <dt>"Updated"</dt><dd>{timestamp(c.updated_at)}</dd>
                        </dl>
                    </section>
                }.into_any()
            }
        }}
    }
}
