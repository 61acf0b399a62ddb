//! My API keys: create one (its key is shown once, with a copy button) with the scopes chosen
//! (tokens only unless "manage" is ticked), list by prefix with scopes, revoke.

use domain::api::{ApiKeyView, CreateApiKeyResponse};
use leptos::prelude::*;

use crate::api;
use crate::components::confirm::ConfirmDialog;
use crate::components::copy_field::CopyField;
use crate::components::feedback::{Loaded, Outcome};
use crate::components::field::TextField;
use crate::components::field_errors::FieldErrors;
use crate::components::require_sign_in::RequireSignIn;
use crate::components::toast::use_toasts;
use crate::format::timestamp;
use crate::io::{Said, load, write};

#[component]
pub fn ApiKeys() -> impl IntoView {
    view! { <RequireSignIn><ApiKeysPage /></RequireSignIn> }
}

#[component]
fn ApiKeysPage() -> impl IntoView {
    let keys = load(api::api_keys);
    // The last new key, until dismissed.
    let created = RwSignal::new(None::<CreateApiKeyResponse>);
    let on_created = Callback::new(move |response| {
        created.set(Some(response));
        keys.refetch();
    });
    // A revoke that failed says so above the list.
    let revoke_failed = RwSignal::new(None::<Said>);
    let revoked = Callback::new(move |result: Said| {
        revoke_failed.set(result.err().map(Err));
        keys.refetch();
    });
    view! {
        <section class="page-head"><h1>"API keys"</h1></section>
        <p class="lead">"Bots and packages call the API with a key. A key gets tokens of the connections you may use and reads them; tick \u{201c}manage\u{201d} only for a bot that must do more of what you may do. Revoke a key when a bot no longer needs it."</p>
        {move || created.get().map(|r| view! { <NewKey key_name=r.api_key.name secret=r.secret.expose().to_string() on_done=Callback::new(move |()| created.set(None)) /> })}
        <NewKeyForm on_created=on_created />
        <Outcome said=revoke_failed />
        <table class="table" data-testid="keys-table">
            <thead><tr><th>"Name"</th><th>"Key"</th><th>"Scopes"</th><th>"Created"</th><th>"Last used"</th><th></th></tr></thead>
            <tbody>
                <Loaded columns=6 view=move || keys.get().map(|list| list.map(|list| {
                        if list.items.is_empty() {
                            return view! { <tr><td colspan="6" class="muted">"No keys yet."</td></tr> }.into_any();
                        }
                        list.items.into_iter().map(|key| view! { <KeyRow key=key revoked=revoked /> }).collect_view().into_any()
                    })) />
            </tbody>
        </table>
    }
}

/// Name and scopes of a new key; a refusal shows under the name.
#[component]
fn NewKeyForm(on_created: Callback<CreateApiKeyResponse>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    // Off by default: a key that only gets tokens cannot change anything if it leaks.
    let manage = RwSignal::new(false);
    let errors = FieldErrors::new();
    let toasts = use_toasts();
    let create = write(move || {
        let scopes =
            if manage.get_untracked() { vec!["tokens".into(), "manage".into()] } else { vec!["tokens".into()] };
        let call = api::create_api_key(name.get_untracked(), scopes);
        async move {
            match call.await {
                Ok(response) => {
                    toasts.ok(format!("Key \u{201c}{}\u{201d} created.", response.api_key.name));
                    name.set(String::new());
                    manage.set(false);
                    on_created.run(response);
                }
                Err(e) => {
                    if let Some(message) = errors.show_api_error(&e) {
                        errors.set("name", message);
                    }
                }
            }
            Ok(String::new())
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        if let Err(e) = domain::validate::name("name", &name.get_untracked()) {
            errors.set("name", e.message);
            return;
        }
        create.dispatch(());
    };
    view! {
        <form class="card form inline" on:submit=submit novalidate>
            <TextField id="key-name" label="Name" value=name error=errors.of("name") placeholder="nightly CRM sync" />
            <label class="choice checkbox">
                <input type="checkbox" id="key-manage" prop:checked=move || manage.get() on:change=move |ev| manage.set(event_target_checked(&ev)) />
                " manage: may also change what I may change (not only get tokens)"
            </label>
            <button type="submit" disabled=create.pending()>"Create key"</button>
        </form>
    }
}

/// A new key, shown once.
#[component]
fn NewKey(key_name: String, secret: String, on_done: Callback<()>) -> impl IntoView {
    view! {
        <section class="card reveal" data-testid="new-key">
            <h2>{format!("New key \u{201c}{key_name}\u{201d}")}</h2>
            <p>"Copy it now: it will not be shown again."</p>
            <CopyField id="new-key-secret" label="API key" value=Signal::stored(secret) />
            <button type="button" class="secondary" on:click=move |_| on_done.run(())>"Done"</button>
        </section>
    }
}

#[component]
fn KeyRow(key: ApiKeyView, revoked: Callback<Said>) -> impl IntoView {
    let id = key.id.clone();
    let toasts = use_toasts();
    let name = key.name.clone();
    let revoke = write(move || {
        let (id, name) = (id.clone(), name.clone());
        async move {
            let result = api::revoke_api_key(&id).await.map(|()| String::new()).map_err(|e| e.message());
            if result.is_ok() {
                toasts.ok(format!("Key \u{201c}{name}\u{201d} revoked."));
            }
            revoked.run(result.clone());
            result
        }
    });
    let asking = RwSignal::new(false);
    view! {
        <tr>
            <td>{key.name.clone()}</td>
            <td><code>{format!("{}…", key.prefix)}</code></td>
            <td data-testid="key-scopes">{key.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")}</td>
            <td>{timestamp(key.created_at)}</td>
            <td>{key.last_used_at.map(timestamp).unwrap_or_else(|| "never".into())}</td>
            <td class="row-actions">
                <button type="button" class="link danger" disabled=revoke.pending() on:click=move |_| asking.set(true)>"Revoke"</button>
                <ConfirmDialog open=asking title=format!("Revoke the key \u{201c}{}\u{201d}?", key.name)
                    body="Bots using it are refused from their next call. This cannot be undone."
                    confirm="Revoke key" on_confirm=Callback::new(move |()| { revoke.dispatch(()); }) />
            </td>
        </tr>
    }
}
