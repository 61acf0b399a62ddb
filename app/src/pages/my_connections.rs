//! My connections: the connections my roles are invited to (paged, "Load more"), my
//! user-specific token's state, and Authorize / Re-authorize / Forget.

use domain::api::MyConnectionView;
use leptos::prelude::*;

use crate::api;
use crate::components::confirm::ConfirmDialog;
use crate::components::consent::{ConsentOutcome, start_consent};
use crate::components::feedback::{Loaded, Outcome};
use crate::components::paged::{LoadMore, Paged};
use crate::components::require_sign_in::RequireSignIn;
use crate::components::toast::use_toasts;
use crate::components::token_status::TokenStatus;
use crate::io::{Said, write};

#[component]
pub fn MyConnections() -> impl IntoView {
    view! { <RequireSignIn><MyConnectionsPage /></RequireSignIn> }
}

#[component]
fn MyConnectionsPage() -> impl IntoView {
    let paged = Paged::new(|cursor| async move { api::my_connections(&cursor).await });
    let said = RwSignal::new(None::<Result<String, String>>);
    // After a change, the first page again (what was loaded beyond it is loaded anew on demand).
    let done = Callback::new(move |o: ConsentOutcome| {
        said.set(Some(if o.ok { Ok(o.message) } else { Err(o.message) }));
        paged.reload();
    });
    // Success is a toast (raised by the row); a failure stays on the page.
    let forgot = Callback::new(move |result: Said| {
        said.set(result.err().map(Err));
        paged.reload();
    });
    view! {
        <section class="page-head"><h1>"My connections"</h1></section>
        <p class="lead">"Connections shared with your roles. Authorize your own token where a bot acts as you."</p>
        <Outcome said=said testid="my-notice" />
        <table class="table" data-testid="my-connections">
            <thead><tr><th>"Connection"</th><th>"Provider"</th><th>"My token"</th><th></th></tr></thead>
            <tbody>
                <Loaded columns=4 view=move || paged.items().map(|items| items.map(|items| {
                        if items.is_empty() {
                            return view! { <tr><td colspan="4" class="muted">"No connection is shared with your roles yet."</td></tr> }.into_any();
                        }
                        items.into_iter().map(|item| view! { <Row item=item done=done forgot=forgot /> }).collect_view().into_any()
                    })) />
            </tbody>
        </table>
        <LoadMore paged=paged />
    }
}

#[component]
fn Row(item: MyConnectionView, done: Callback<ConsentOutcome>, forgot: Callback<Said>) -> impl IntoView {
    let c = item.connection;
    let toasts = use_toasts();
    let asking = RwSignal::new(false);
    let asked = format!("Forget your token for \u{201c}{}\u{201d}?", c.name);
    let forget = {
        let id = c.id.clone();
        write(move || {
            let id = id.clone();
            async move {
                let result = match api::forget_my_token(&id).await {
                    Ok(()) => {
                        toasts.ok("Your token was forgotten.");
                        Ok("Your token was forgotten.".to_string())
                    }
                    Err(e) => Err(e.message()),
                };
                forgot.run(result.clone());
                result
            }
        })
    };
    let consent = c.grant_type.uses_consent();
    let has_token = item.my_token.is_some();
    let id_auth = c.id.clone();
    view! {
        <tr>
            <td><a href=format!("/connections/{}", c.id)>{c.name.clone()}</a></td>
            <td>{c.provider.provider().name}</td>
            <td>{if consent {
                view! { <TokenStatus token=item.my_token testid="my-token" /> }.into_any()
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
                    <button type="button" class="link danger" disabled=forget.pending() on:click=move |_| asking.set(true)>"Forget"</button>
                    <ConfirmDialog open=asking title=asked
                        body="Bots acting as you lose access to this connection until you authorize again."
                        confirm="Forget token" on_confirm=Callback::new(move |()| { forget.dispatch(()); }) />
                })}
            </td>
        </tr>
    }
}
