//! Admin: webhook endpoints. Add one (its signing secret is shown once), choose its events,
//! enable or disable it, roll its secret, send a test event, delete it; under the chosen
//! endpoint, every delivery with its attempts (status and duration) and "Redeliver".

use domain::webhook::{DeliveryView, WebhookEvent, WebhookInput, WebhookSecretResponse, WebhookView};
use leptos::prelude::*;

use crate::api;
use crate::components::copy_field::CopyField;
use crate::components::feedback::{Loaded, Outcome};
use crate::components::field::TextField;
use crate::components::field_errors::FieldErrors;
use crate::components::require_sign_in::RequireSignIn;
use crate::format::timestamp;
use crate::io::{Said, load, write};

#[component]
pub fn Webhooks() -> impl IntoView {
    view! { <RequireSignIn admin=true><WebhooksPage /></RequireSignIn> }
}

#[component]
fn WebhooksPage() -> impl IntoView {
    let hooks = load(api::webhooks);
    // A secret just made (creation or roll), until dismissed.
    let secret = RwSignal::new(None::<(String, String)>);
    let chosen = RwSignal::new(None::<String>);
    let said = RwSignal::new(None::<Said>);
    let on_secret = Callback::new(move |r: WebhookSecretResponse| {
        secret.set(Some((r.webhook.url.clone(), r.secret.expose().to_string())));
        chosen.set(Some(r.webhook.id));
        hooks.refetch();
    });
    let changed = Callback::new(move |result: Said| {
        said.set(Some(result));
        hooks.refetch();
    });
    view! {
        <section class="page-head"><h1>"Webhooks"</h1></section>
        <p class="lead">"Endpoints receive the events they subscribe to as signed POST requests (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature). Failed deliveries are retried with growing waits for more than a day; an endpoint that fails all of them is disabled and admins are told."</p>
        {move || secret.get().map(|(url, value)| view! {
            <section class="card reveal" data-testid="new-secret">
                <h2>{format!("Signing secret for {url}")}</h2>
                <p>"Copy it now: it will not be shown again. Verify deliveries with it (any Standard Webhooks library takes it as it is)."</p>
                <CopyField id="webhook-secret" label="Signing secret" value=Signal::stored(value) />
                <button type="button" class="secondary" on:click=move |_| secret.set(None)>"Done"</button>
            </section>
        })}
        <NewEndpoint on_created=on_secret />
        <Outcome said=said testid="webhook-outcome" />
        <table class="table" data-testid="webhooks-table">
            <thead><tr><th>"URL"</th><th>"Events"</th><th>"State"</th><th>"Last delivered"</th><th></th></tr></thead>
            <tbody>
                <Loaded columns=5 view=move || hooks.get().map(|list| list.map(|list| {
                    if list.items.is_empty() {
                        return view! { <tr><td colspan="5" class="muted">"No endpoints yet."</td></tr> }.into_any();
                    }
                    list.items.into_iter().map(|hook| view! {
                        <EndpointRow hook=hook chosen=chosen changed=changed on_secret=on_secret />
                    }).collect_view().into_any()
                })) />
            </tbody>
        </table>
        {move || {
            let id = chosen.get()?;
            let hook = hooks.get().and_then(Result::ok).and_then(|l| l.items.into_iter().find(|h| h.id == id))?;
            Some(view! { <Endpoint hook=hook changed=changed /> })
        }}
    }
}

/// The event checkboxes of a form, over a signal of the chosen events.
#[component]
fn EventChoice(events: RwSignal<Vec<WebhookEvent>>, prefix: &'static str) -> impl IntoView {
    view! {
        <fieldset class="choices">
            <legend>"Events"</legend>
            {WebhookEvent::subscribable().map(|event| view! {
                <label class="choice">
                    <input
                        type="checkbox"
                        name=format!("{prefix}-{}", event.as_str())
                        prop:checked=move || events.with(|e| e.contains(&event))
                        on:change=move |_| events.update(|e| {
                            if let Some(at) = e.iter().position(|x| *x == event) { e.remove(at); } else { e.push(event); }
                        })
                    />
                    <span class="choice-label"><code>{event.as_str()}</code></span>
                </label>
            }).collect_view()}
        </fieldset>
    }
}

fn input_of(url: Option<String>, events: Vec<WebhookEvent>, enabled: Option<bool>) -> WebhookInput {
    WebhookInput { url, events: Some(events.iter().map(|e| e.as_str().to_string()).collect()), enabled }
}

#[component]
fn NewEndpoint(on_created: Callback<WebhookSecretResponse>) -> impl IntoView {
    let url = RwSignal::new(String::new());
    let events = RwSignal::new(WebhookEvent::subscribable().collect::<Vec<_>>());
    let errors = FieldErrors::new();
    let create = write(move || {
        let input = input_of(Some(url.get_untracked()), events.get_untracked(), None);
        async move {
            match api::create_webhook(&input).await {
                Ok(response) => {
                    url.set(String::new());
                    on_created.run(response);
                    Ok(String::new())
                }
                Err(e) => match errors.show_api_error(&e) {
                    Some(message) => Err(message),
                    None => Ok(String::new()),
                },
            }
        }
    });
    let failed = Signal::derive(move || create.value().get().filter(Result::is_err));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        create.dispatch(());
    };
    view! {
        <form class="card form" on:submit=submit novalidate data-testid="new-webhook">
            <h2>"Add an endpoint"</h2>
            <TextField id="webhook-url" label="URL" value=url error=errors.of("url") placeholder="https://monitoring.example.com/hooks/oauth" />
            <EventChoice events=events prefix="new" />
            <p class="field-error" role="alert">{move || errors.of("events").get().unwrap_or_default()}</p>
            <Outcome said=failed />
            <button type="submit" disabled=create.pending()>"Add endpoint"</button>
        </form>
    }
}

#[component]
fn EndpointRow(
    hook: WebhookView,
    chosen: RwSignal<Option<String>>,
    changed: Callback<Said>,
    on_secret: Callback<WebhookSecretResponse>,
) -> impl IntoView {
    let id = hook.id.clone();
    let enabled = hook.enabled;
    let toggle = write({
        let id = id.clone();
        move || {
            let id = id.clone();
            let input = WebhookInput { enabled: Some(!enabled), ..WebhookInput::default() };
            async move {
                let said = api::update_webhook(&id, &input)
                    .await
                    .map(|h| if h.enabled { "Enabled.".to_string() } else { "Disabled.".to_string() })
                    .map_err(|e| e.message());
                changed.run(said.clone());
                said
            }
        }
    });
    let test = write({
        let id = id.clone();
        move || {
            let id = id.clone();
            async move {
                let said =
                    api::send_test_event(&id).await.map(|()| "Test event queued.".to_string()).map_err(|e| e.message());
                changed.run(said.clone());
                chosen.set(Some(id));
                said
            }
        }
    });
    let roll = write({
        let id = id.clone();
        move || {
            let id = id.clone();
            async move {
                match api::roll_webhook_secret(&id).await {
                    Ok(response) => {
                        on_secret.run(response);
                        Ok(String::new())
                    }
                    Err(e) => {
                        changed.run(Err(e.message()));
                        Err(e.message())
                    }
                }
            }
        }
    });
    let remove = write({
        let id = id.clone();
        move || {
            let id = id.clone();
            async move {
                let said = api::delete_webhook(&id).await.map(|()| "Deleted.".to_string()).map_err(|e| e.message());
                if said.is_ok() && chosen.get_untracked().as_deref() == Some(id.as_str()) {
                    chosen.set(None);
                }
                changed.run(said.clone());
                said
            }
        }
    });
    let state = match (hook.enabled, hook.disabled_reason.as_deref()) {
        (true, _) => "Enabled".to_string(),
        (false, Some("failing")) => "Disabled: kept failing".to_string(),
        (false, _) => "Disabled".to_string(),
    };
    let events = hook.events.iter().map(|e| e.as_str()).collect::<Vec<_>>().join(", ");
    let show = id.clone();
    view! {
        <tr data-testid="webhook-row">
            <td><code>{hook.url}</code></td>
            <td class="muted">{events}</td>
            <td data-testid="webhook-state">{state}</td>
            <td>{hook.last_success_at.map(|ms| timestamp(ms / 1000)).unwrap_or_else(|| "never".into())}</td>
            <td class="row-actions">
                <button type="button" class="link" on:click=move |_| chosen.set(Some(show.clone()))>"Deliveries"</button>
                <button type="button" class="link" disabled=test.pending() on:click=move |_| { test.dispatch(()); }>"Send test event"</button>
                <button type="button" class="link" disabled=toggle.pending() on:click=move |_| { toggle.dispatch(()); }>
                    {if enabled { "Disable" } else { "Enable" }}
                </button>
                <button type="button" class="link" disabled=roll.pending() on:click=move |_| { roll.dispatch(()); }>"Roll secret"</button>
                <button type="button" class="link danger" disabled=remove.pending() on:click=move |_| { remove.dispatch(()); }>"Delete"</button>
            </td>
        </tr>
    }
}

/// The chosen endpoint: its events to edit, and its deliveries.
#[component]
fn Endpoint(hook: WebhookView, changed: Callback<Said>) -> impl IntoView {
    let id = StoredValue::new(hook.id.clone());
    let events = RwSignal::new(hook.events.clone());
    let save = write(move || {
        let input = input_of(None, events.get_untracked(), None);
        async move {
            let said = api::update_webhook(&id.get_value(), &input)
                .await
                .map(|_| "Saved.".to_string())
                .map_err(|e| e.message());
            changed.run(said.clone());
            said
        }
    });
    let deliveries = load(move || async move { api::webhook_deliveries(&id.get_value()).await });
    let redelivered = RwSignal::new(None::<Said>);
    view! {
        <section class="card" data-testid="webhook-detail">
            <h2>{format!("Endpoint {}", hook.url)}</h2>
            <form class="form" on:submit=move |ev| { ev.prevent_default(); save.dispatch(()); }>
                <EventChoice events=events prefix="edit" />
                <button type="submit" disabled=save.pending()>"Save events"</button>
            </form>
            {hook.previous_secret_until.map(|until| view! {
                <p class="muted">{format!("The secret before the last roll also signs until {}.", timestamp(until))}</p>
            })}
            <div class="page-head">
                <h3>"Deliveries"</h3>
                <button type="button" class="secondary" on:click=move |_| deliveries.refetch()>"Refresh"</button>
            </div>
            <Outcome said=redelivered />
            <table class="table" data-testid="deliveries-table">
                <thead><tr><th>"Event"</th><th>"Id"</th><th>"Created"</th><th>"State"</th><th>"Attempts (status, duration)"</th><th></th></tr></thead>
                <tbody>
                    <Loaded columns=6 view=move || deliveries.get().map(|list| list.map(|list| {
                        if list.items.is_empty() {
                            return view! { <tr><td colspan="6" class="muted">"Nothing sent yet."</td></tr> }.into_any();
                        }
                        list.items.into_iter().map(|d| view! {
                            <DeliveryRow delivery=d webhook_id=id.get_value() said=redelivered on_done=Callback::new(move |()| deliveries.refetch()) />
                        }).collect_view().into_any()
                    })) />
                </tbody>
            </table>
        </section>
    }
}

#[component]
fn DeliveryRow(
    delivery: DeliveryView,
    webhook_id: String,
    said: RwSignal<Option<Said>>,
    on_done: Callback<()>,
) -> impl IntoView {
    let message = delivery.id.clone();
    let again = write(move || {
        let (webhook_id, message) = (webhook_id.clone(), message.clone());
        async move {
            let result = api::redeliver(&webhook_id, message)
                .await
                .map(|()| "Redelivery queued.".to_string())
                .map_err(|e| e.message());
            said.set(Some(result.clone()));
            on_done.run(());
            result
        }
    });
    let attempts = delivery
        .attempts
        .iter()
        .map(|a| {
            let what = match (a.status, &a.error) {
                (Some(status), _) => status.to_string(),
                (None, Some(error)) => error.clone(),
                (None, None) => "no answer".into(),
            };
            format!("{what}, {} ms", a.duration_ms)
        })
        .collect::<Vec<_>>()
        .join(" · ");
    view! {
        <tr data-testid="delivery-row">
            <td><code>{delivery.event.as_str()}</code></td>
            <td><code class="muted">{delivery.id.clone()}</code></td>
            <td>{timestamp(delivery.created_at / 1000)}</td>
            <td data-testid="delivery-state">{delivery.status.as_str()}</td>
            <td data-testid="delivery-attempts">{attempts}</td>
            <td class="row-actions">
                <button type="button" class="link" disabled=again.pending() on:click=move |_| { again.dispatch(()); }>"Redeliver"</button>
            </td>
        </tr>
    }
}
