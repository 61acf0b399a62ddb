//! My connections: the connections my roles are invited to (paged, "Load more"), my
//! user-specific token's state, and Authorize / Re-authorize / Forget.

use domain::api::MyConnectionView;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;

use crate::api;
use crate::components::consent::{ConsentOutcome, start_consent};
use crate::components::paged::{LoadMore, Paged};
use crate::components::require_sign_in::RequireSignIn;
use crate::components::token_status::TokenStatus;

#[component]
pub fn MyConnections() -> impl IntoView {
    view! { <RequireSignIn><MyConnectionsPage /></RequireSignIn> }
}

#[component]
fn MyConnectionsPage() -> impl IntoView {
    let paged = Paged::<MyConnectionView>::new();
    let (items, next, error) = (paged.items, paged.next, paged.error);
    let loaded = RwSignal::new(false);
    let load = move |cursor: Option<String>| {
        paged.load(cursor, move |c| async move {
            let page = api::my_connections(&c).await;
            loaded.set(true);
            page
        });
    };
    // After a change, the first page again (what was loaded beyond it is loaded anew on demand).
    let reload = move || load(None);
    load(None);
    let message = RwSignal::new(None::<Result<String, String>>);
    let done = Callback::new(move |o: ConsentOutcome| {
        message.set(Some(if o.ok { Ok(o.message) } else { Err(o.message) }));
        reload();
    });
    let forget = move |id: String| {
        spawn_local(async move {
            match api::forget_my_token(&id).await {
                Ok(()) => message.set(Some(Ok("Your token was forgotten.".into()))),
                Err(e) => message.set(Some(Err(e.message()))),
            }
            reload();
        });
    };
    view! {
        <section class="page-head"><h1>"My connections"</h1></section>
        <p class="lead">"Connections shared with your roles. Authorize your own token where a bot acts as you."</p>
        {move || message.get().map(|m| match m {
            Ok(text) => view! { <p class="notice success" role="status" data-testid="my-notice">{text}</p> }.into_any(),
            Err(text) => view! { <p class="form-error" role="alert" data-testid="my-notice">{text}</p> }.into_any(),
        })}
        <table class="table" data-testid="my-connections">
            <thead><tr><th>"Connection"</th><th>"Provider"</th><th>"My token"</th><th></th></tr></thead>
            <tbody>
                {move || match (loaded.get(), error.get()) {
                    (_, Some(e)) => Some(view! { <tr><td colspan="4" class="error">{e}</td></tr> }.into_any()),
                    (false, None) => Some(view! { <tr><td colspan="4" class="muted">"Loading…"</td></tr> }.into_any()),
                    (true, None) if items.with(Vec::is_empty) => Some(view! {
                        <tr><td colspan="4" class="muted">"No connection is shared with your roles yet."</td></tr>
                    }.into_any()),
                    _ => None,
                }}
                <For each=move || items.get() key=|item| (item.connection.id.clone(), item.connection.updated_at, item.my_token.clone().map(|t| t.updated_at)) let:item>
                    {
                        let c = item.connection;
                        let consent = c.grant_type.uses_consent();
                        let has_token = item.my_token.is_some();
                        let (id_auth, id_forget) = (c.id.clone(), c.id.clone());
                        view! {
                            <tr>
                                <td><A href=format!("/connections/{}", c.id)>{c.name.clone()}</A></td>
                                <td>{c.provider.provider().name}</td>
                                <td>{if consent {
                                    view! { <TokenStatus token=item.my_token.clone() testid="my-token" /> }.into_any()
                                } else {
                                    view! { <span class="muted">"Shared token only (client credentials)"</span> }.into_any()
                                }}</td>
                                <td class="row-actions">
                                    {consent.then(|| view! {
                                        <button type="button" class="link" on:click=move |_| start_consent(id_auth.clone(), domain::consent::ConsentPurpose::User, done)>
                                            {if has_token { "Re-authorize" } else { "Authorize" }}
                                        </button>
                                    })}
                                    {has_token.then(|| view! {
                                        <button type="button" class="link danger" on:click=move |_| forget(id_forget.clone())>"Forget"</button>
                                    })}
                                </td>
                            </tr>
                        }
                    }
                </For>
            </tbody>
        </table>
        <LoadMore next=next on_more=Callback::new(load) />
    }
}
