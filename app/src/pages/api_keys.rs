//! My API keys: create one (its key is shown once, with a copy button) with the scopes chosen
//! (tokens only unless "manage" is ticked), list by prefix with scopes, revoke.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::components::copy_field::CopyField;
use crate::components::field::TextField;
use crate::components::field_errors::FieldErrors;
use crate::components::require_sign_in::RequireSignIn;
use crate::format::timestamp;

#[component]
pub fn ApiKeys() -> impl IntoView {
    view! { <RequireSignIn><ApiKeysPage /></RequireSignIn> }
}

#[component]
fn ApiKeysPage() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let keys = LocalResource::new(move || {
        version.track();
        api::api_keys()
    });
    let name = RwSignal::new(String::new());
    // Off by default: a key that only gets tokens cannot change anything if it leaks.
    let manage = RwSignal::new(false);
    let errors = FieldErrors::new();
    let created = RwSignal::new(None::<(String, String)>);
    let busy = RwSignal::new(false);

    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        if let Err(e) = domain::validate::name("name", &name.get_untracked()) {
            errors.set("name", e.message);
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let scopes =
                if manage.get_untracked() { vec!["tokens".into(), "manage".into()] } else { vec!["tokens".into()] };
            match api::create_api_key(name.get_untracked(), scopes).await {
                Ok(response) => {
                    created.set(Some((response.api_key.name, response.secret.expose().to_string())));
                    name.set(String::new());
                    manage.set(false);
                    version.update(|v| *v += 1);
                }
                Err(e) => {
                    if let Some(message) = errors.show_api_error(&e) {
                        errors.set("name", message);
                    }
                }
            }
            busy.set(false);
        });
    };
    let revoke = move |id: String| {
        spawn_local(async move {
            if api::revoke_api_key(&id).await.is_ok() {
                version.update(|v| *v += 1);
            }
        });
    };

    view! {
        <section class="page-head"><h1>"API keys"</h1></section>
        <p class="lead">"Bots and packages call the API with a key. A key gets tokens of the connections you may use and reads them; tick \u{201c}manage\u{201d} only for a bot that must do more of what you may do. Revoke a key when a bot no longer needs it."</p>
        {move || created.get().map(|(key_name, secret)| view! {
            <section class="card reveal" data-testid="new-key">
                <h2>{format!("New key \u{201c}{key_name}\u{201d}")}</h2>
                <p>"Copy it now: it will not be shown again."</p>
                <CopyField id="new-key-secret" label="API key" value=Signal::stored(secret) />
                <button type="button" class="secondary" on:click=move |_| created.set(None)>"Done"</button>
            </section>
        })}
        <form class="card form inline" on:submit=create novalidate>
            <TextField id="key-name" label="Name" value=name error=errors.of("name") placeholder="nightly CRM sync" />
            <label class="choice checkbox">
                <input type="checkbox" id="key-manage" prop:checked=move || manage.get() on:change=move |ev| manage.set(event_target_checked(&ev)) />
                " manage: may also change what I may change (not only get tokens)"
            </label>
            <button type="submit" disabled=move || busy.get()>"Create key"</button>
        </form>
        <table class="table" data-testid="keys-table">
            <thead><tr><th>"Name"</th><th>"Key"</th><th>"Scopes"</th><th>"Created"</th><th>"Last used"</th><th></th></tr></thead>
            <tbody>
                {move || match keys.get() {
                    None => view! { <tr><td colspan="6" class="muted">"Loading…"</td></tr> }.into_any(),
                    Some(Err(e)) => view! { <tr><td colspan="6" class="error">{e.message()}</td></tr> }.into_any(),
                    Some(Ok(list)) if list.items.is_empty() => view! { <tr><td colspan="6" class="muted">"No keys yet."</td></tr> }.into_any(),
                    Some(Ok(list)) => list.items.into_iter().map(|key| {
                        let id = key.id.clone();
                        view! {
                            <tr>
                                <td>{key.name}</td>
                                <td><code>{format!("{}…", key.prefix)}</code></td>
                                <td data-testid="key-scopes">{key.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")}</td>
                                <td>{timestamp(key.created_at)}</td>
                                <td>{key.last_used_at.map(timestamp).unwrap_or_else(|| "never".into())}</td>
                                <td class="row-actions"><button type="button" class="link danger" on:click=move |_| revoke(id.clone())>"Revoke"</button></td>
                            </tr>
                        }
                    }).collect_view().into_any(),
                }}
            </tbody>
        </table>
    }
}
