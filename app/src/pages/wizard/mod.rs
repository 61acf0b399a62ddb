//! The connection wizard, exactly the seed's four steps (one file each): settings,
//! authentication, test and save, invite roles. Back and Next keep what was entered; Next (or
//! Enter in a field) moves on when the step is valid and otherwise shows why; finished steps are
//! reached again from the stepper; the focus goes to each step's heading; leaving with unsaved
//! input asks first (`leave_guard.rs`). The last step saves and lands on the connection's page.

mod authentication;
mod discovery;
mod invite;
mod leave_guard;
mod provider_picker;
mod save;
mod settings;
mod state;
mod test_step;

use domain::api::ConnectionView;
use leptos::prelude::*;

use crate::api;
use crate::components::feedback::Loaded;
use crate::components::require_sign_in::{NotAllowed, RequireSignIn};
use crate::io::{load, write};
use crate::nav::use_navigate;
use crate::session::{Session, use_session};
use authentication::AuthenticationStep;
use invite::InviteStep;
use settings::SettingsStep;
use state::{STEPS, WizardState};
use test_step::TestStep;

/// `/connections/new` and `/connections/:id/edit`.
#[component]
pub fn ConnectionWizard(editing: Option<String>) -> impl IntoView {
    view! { <RequireSignIn><ManagersOnly editing=editing.clone() /></RequireSignIn> }
}

#[component]
fn ManagersOnly(editing: Option<String>) -> impl IntoView {
    if use_session().with_untracked(Session::can_manage_connections) {
        view! { <WizardPage editing=editing /> }.into_any()
    } else {
        view! { <NotAllowed why="Creating and editing connections needs the Manage OAuth connections permission." /> }
            .into_any()
    }
}

/// A new connection at once; an edit once the stored one is in.
#[component]
fn WizardPage(editing: Option<String>) -> impl IntoView {
    view! {
        {match editing {
            None => view! { <Wizard existing=None /> }.into_any(),
            Some(id) => {
                let stored = load(move || {
                    let id = id.clone();
                    async move { api::connection(&id).await }
                });
                view! {
                    <Loaded view=move || stored.get().map(|c| c.map(|c| view! { <Wizard existing=Some(c) /> }.into_any())) />
                }.into_any()
            }
        }}
    }
}

#[component]
fn Wizard(existing: Option<ConnectionView>) -> impl IntoView {
    let state = WizardState::new();
    if let Some(c) = &existing {
        state.load(c);
    }
    provide_context(state);
    let step = state.step;
    leave_guard::guard(state.dirty);
    // Once "Save changes and test connection" has created it, this is an edit.
    let is_edit = Signal::derive(move || state.saved_id.with(Option::is_some));
    // Each step's heading takes the focus, so a screen reader reads where the person is.
    let heading = NodeRef::<leptos::html::H2>::new();
    Effect::watch(
        move || step.get(),
        move |_, _, _| {
            if let Some(h) = heading.get_untracked() {
                let _ = h.focus();
            }
        },
        false,
    );
    // The deployment's outbound URL rule, once the config is in.
    let config = expect_context::<crate::app::ConfigResource>();
    Effect::new(move || {
        if let Some(Ok(c)) = config.get() {
            state.policy.set(c.endpoint_policy);
        }
    });
    let providers = load(api::providers);
    let providers = Signal::derive(move || providers.get().and_then(Result::ok).unwrap_or_default());
    let roles = load(api::invitable_roles);
    let roles = Signal::derive(move || roles.get().and_then(Result::ok).unwrap_or_default());
    view! {
        <section class="page-head">
            <h1 data-testid="wizard-title">{move || if is_edit.get() { "Edit connection" } else { "Create connection" }}</h1>
        </section>
        <div class="wizard">
            <Stepper step=step />
            <form
                class="card form wizard-body"
                novalidate
                data-testid="wizard"
                on:submit=move |ev| {
                    ev.prevent_default();
                    if step.get_untracked() < STEPS.len() - 1 {
                        state.advance();
                    }
                }
                on:input=move |_| state.dirty.set(true)
                on:change=move |_| state.dirty.set(true)
            >
                <h2 tabindex="-1" node_ref=heading>{move || STEPS[step.get()]}</h2>
                {move || match step.get() {
                    0 => view! { <SettingsStep providers=providers /> }.into_any(),
                    1 => view! { <AuthenticationStep providers=providers /> }.into_any(),
                    2 => view! { <TestStep /> }.into_any(),
                    _ => view! { <InviteStep roles=roles /> }.into_any(),
                }}
                <WizardNav is_edit=is_edit />
            </form>
        </div>
    }
}

/// The steps by name, the current one marked; a finished step is a button back to it.
#[component]
fn Stepper(step: RwSignal<usize>) -> impl IntoView {
    view! {
        <ol class="stepper" aria-label="Steps">
            {STEPS.iter().enumerate().map(|(i, title)| view! {
                <li class:current=move || step.get() == i class:done=move || { step.get() > i } aria-current=move || (step.get() == i).then_some("step")>
                    <Show
                        when=move || { step.get() > i }
                        fallback=move || view! { <span class="number">{i + 1}</span><span>{*title}</span> }
                    >
                        <button type="button" class="step-link" on:click=move |_| step.set(i)>
                            <span class="number">{i + 1}</span>
                            <span>{*title}</span>
                        </button>
                    </Show>
                </li>
            }).collect_view()}
        </ol>
    }
}

/// Back, Next while the step is valid, and on the last step the save that ends the wizard on
/// the connection's page.
#[component]
fn WizardNav(is_edit: Signal<bool>) -> impl IntoView {
    let state = expect_context::<WizardState>();
    let step = state.step;
    let navigate = use_navigate();
    let finish = write(move || async move {
        let view = save::save(state).await?;
        let view = api::invite_roles(&view.id, state.invited.get_untracked()).await.map_err(|e| e.message())?;
        state.dirty.set(false);
        navigate(&format!("/connections/{}", view.id));
        Ok(String::new())
    });
    let finish_error = move || finish.value().get().and_then(Result::err).filter(|_| !finish.pending().get());
    view! {
        <p class="form-error" role="alert">{move || finish_error().unwrap_or_default()}</p>
        <div class="actions wizard-nav">
            <button type="button" class="secondary" disabled=move || step.get() == 0 on:click=move |_| step.update(|s| *s -= 1)>"Back"</button>
            <Show
                when=move || { step.get() < STEPS.len() - 1 }
                fallback=move || view! {
                    <button type="button" id="finish" disabled=finish.pending() on:click=move |_| { finish.dispatch(()); }>
                        {move || if is_edit.get() { "Save connection" } else { "Create connection" }}
                    </button>
                }
            >
                <button type="submit" id="next">"Next"</button>
            </Show>
        </div>
    }
}
