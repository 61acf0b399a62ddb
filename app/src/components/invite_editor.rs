//! Edit a connection's invited roles from its page (custom roles only; the wizard's step 4 is the
//! other place).

use leptos::prelude::*;

use crate::api;
use crate::components::feedback::Outcome;
use crate::components::multi_select::{Choice, MultiSelect};
use crate::components::toast::use_toasts;
use crate::format::members;
use crate::io::{load, write};

#[component]
pub fn InviteEditor(connection_id: String, invited: Vec<String>, on_saved: Callback<()>) -> impl IntoView {
    let roles = load(api::invitable_roles);
    let selected = RwSignal::new(invited);
    let choices = Signal::derive(move || {
        roles
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .map(|r| Choice { id: r.id, label: r.name, detail: members(r.member_count) })
            .collect::<Vec<_>>()
    });
    let toasts = use_toasts();
    let save = write(move || {
        let (id, role_ids) = (connection_id.clone(), selected.get_untracked());
        async move {
            api::invite_roles(&id, role_ids).await.map_err(|e| e.message())?;
            toasts.ok("Invites saved.");
            on_saved.run(());
            Ok("Invites saved; newly invited members were notified.".to_string())
        }
    });
    view! {
        <section class="card" data-testid="invite-editor">
            <MultiSelect id="connection-roles" label="Change invited roles" choices=choices selected=selected placeholder="Search custom roles" />
            <p class="note">"Members of invited roles may use this connection; removing a role cuts their access at once and deletes their own tokens."</p>
            <div class="actions">
                <button type="button" id="save-invites" disabled=save.pending() on:click=move |_| { save.dispatch(()); }>"Save invites"</button>
            </div>
            <Outcome said=save.value() />
        </section>
    }
}
