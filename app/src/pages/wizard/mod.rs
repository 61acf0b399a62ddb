//! The connection wizard, exactly the seed's four steps (one file each): settings,
//! authentication, test and save, invite roles. Back and Next keep what was entered; Next waits
//! until the step is valid; the last step saves and lands on the connection's page.

mod authentication;
mod invite;
mod save;
mod settings;
mod state;
mod test_step;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::api;
use crate::components::require_sign_in::RequireSignIn;
use crate::session::Session;
use authentication::AuthenticationStep;
use invite::InviteStep;
use settings::SettingsStep;
use state::{STEPS, WizardState};
use test_step::TestStep;

/// `/connections/new` and `/connections/:id/edit`.
#[component]
pub fn ConnectionWizard() -> impl IntoView {
    view! { <RequireSignIn><ManagersOnly /></RequireSignIn> }
}

#[component]
fn ManagersOnly() -> impl IntoView {
    let session = Session::get();
    move || {
        if session.can_manage_connections() {
            view! { <WizardPage /> }.into_any()
        } else {
            view! { <section class="card"><h1>"Not allowed"</h1><p>"Creating and editing connections needs the Manage OAuth connections permission."</p></section> }.into_any()
        }
    }
}

#[component]
fn WizardPage() -> impl IntoView {
    let state = WizardState::new();
    provide_context(state);
    // The deployment's outbound URL rule, once the config is in.
    let config = expect_context::<crate::app::ConfigResource>();
    Effect::new(move || {
        if let Some(Ok(c)) = config.get() {
            state.policy.set(c.endpoint_policy);
        }
    });
    let params = use_params_map();
    let editing = params.with_untracked(|p| p.get("id"));
    let loaded = RwSignal::new(editing.is_none());
    let load_error = RwSignal::new(None::<String>);
    if let Some(id) = editing.clone() {
        spawn_local(async move {
            match api::connection(&id).await {
                Ok(c) => {
                    state.load(&c);
                    loaded.set(true);
                }
                Err(e) => load_error.set(Some(e.message())),
            }
        });
    }
    let providers = LocalResource::new(api::providers);
    let providers = Signal::derive(move || providers.get().and_then(Result::ok).unwrap_or_default());
    let roles = LocalResource::new(api::invitable_roles);
    let roles = Signal::derive(move || roles.get().and_then(Result::ok).unwrap_or_default());
    let finish_error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let navigate = use_navigate();
    let is_edit = editing.is_some();

    let step = state.step;
    let can_continue = move || state.step_error(step.get()).is_none();
    let finish = Callback::new(move |()| {
        busy.set(true);
        finish_error.set(None);
        let navigate = navigate.clone();
        spawn_local(async move {
            let result = async {
                let view = save::save(state).await?;
                api::invite_roles(&view.id, state.invited.get_untracked()).await.map_err(|e| e.message())
            }
            .await;
            busy.set(false);
            match result {
                Ok(view) => navigate(&format!("/connections/{}", view.id), Default::default()),
                Err(message) => finish_error.set(Some(message)),
            }
        });
    });

    view! {
        <section class="page-head">
            <h1>{if is_edit { "Edit connection" } else { "Create connection" }}</h1>
        </section>
        {move || load_error.get().map(|e| view! { <p class="form-error">{e}</p> })}
        <Show when=move || loaded.get()>
            <div class="wizard">
                <ol class="stepper" aria-label="Steps">
                    {STEPS.iter().enumerate().map(|(i, title)| view! {
                        <li class:current=move || step.get() == i class:done=move || { step.get() > i } aria-current=move || (step.get() == i).then_some("step")>
                            <span class="number">{i + 1}</span>
                            <span>{*title}</span>
                        </li>
                    }).collect_view()}
                </ol>
                <form class="card form wizard-body" on:submit=|ev| ev.prevent_default() novalidate data-testid="wizard">
                    <h2>{move || STEPS[step.get()]}</h2>
                    {move || match step.get() {
                        0 => view! { <SettingsStep providers=providers /> }.into_any(),
                        1 => view! { <AuthenticationStep providers=providers /> }.into_any(),
                        2 => view! { <TestStep /> }.into_any(),
                        _ => view! { <InviteStep roles=roles /> }.into_any(),
                    }}
                    <p class="form-error" role="alert">{move || finish_error.get().unwrap_or_default()}</p>
                    <div class="actions wizard-nav">
                        <button type="button" class="secondary" disabled=move || step.get() == 0 on:click=move |_| step.update(|s| *s -= 1)>"Back"</button>
                        <Show
                            when=move || { step.get() < STEPS.len() - 1 }
                            fallback=move || view! {
                                <button type="button" id="finish" disabled=move || busy.get() on:click=move |_| finish.run(())>
                                    {if is_edit { "Save connection" } else { "Create connection" }}
                                </button>
                            }
                        >
                            <button type="button" id="next" disabled=move || !can_continue() on:click=move |_| step.update(|s| *s += 1)>"Next"</button>
                        </Show>
                    </div>
                </form>
            </div>
        </Show>
    }
}
