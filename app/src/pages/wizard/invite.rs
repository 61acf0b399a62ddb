//! Step 4, Invite roles: a searchable multi-select of custom roles. Members of invited roles may
//! use the connection and must authorize their own user-specific token.

use domain::api::InvitableRole;
use leptos::prelude::*;

use super::state::WizardState;
use crate::components::multi_select::{Choice, MultiSelect};

#[component]
pub fn InviteStep(roles: Signal<Vec<InvitableRole>>) -> impl IntoView {
    let state = expect_context::<WizardState>();
    let choices = Signal::derive(move || {
        roles
            .get()
            .into_iter()
            .map(|r| Choice { id: r.id, label: r.name, detail: crate::format::members(r.member_count) })
            .collect::<Vec<_>>()
    });
    view! {
        <MultiSelect id="invite-roles" label="Invite roles" choices=choices selected=state.invited placeholder="Search custom roles" />
        <p class="note">
            "Members of invited roles are notified and may use this connection. Each must authorize their own user-specific token; everyone else can see the connection but not use it."
        </p>
    }
}
