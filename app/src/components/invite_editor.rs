//! Edit a connection's invited roles from its page (custom roles only; the wizard's step 4 is the
//! other place).

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::components::multi_select::{Choice, MultiSelect};

#[component]
pub fn InviteEditor(connection_id: String, invited: Vec<String>, on_saved: Callback<()>) -> impl IntoView {
    let roles = LocalResource::new(api::invitable_roles);
    let selected = RwSignal::new(invited);
    let status = RwSignal::new(None::<Result<String, String>>);
    let choices = Signal::derive(move || {
        roles
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .map(|r| Choice { id: r.id, label: r.name, detail: format!("{} members", r.member_count) })
            .collect::<Vec<_>>()
    });
    let save = move |_| {
        let id = connection_id.clone();
        spawn_local(async move {
            match api::invite_roles(&id, selected.get_untracked()).await {
                Ok(_) => {
                    status.set(Some(Ok("Invites saved; newly invited members were notified.".into())));
                    on_saved.run(());
                }
                Err(e) => status.set(Some(Err(e.message()))),
            }
        });
    };
    view! {
        <section class="card" data-testid="invite-editor">
            <MultiSelect id="connection-roles" label="Invited roles" choices=choices selected=selected placeholder="Search custom roles" />
            <p class="note">"Members of invited roles may use this connection; removing a role cuts their access at once and deletes their own tokens."</p>
            <div class="actions"><button type="button" id="save-invites" on:click=save>"Save invites"</button></div>
            {move || status.get().map(|s| match s {
                Ok(m) => view! { <p class="notice success" role="status">{m}</p> }.into_any(),
                Err(m) => view! { <p class="form-error" role="alert">{m}</p> }.into_any(),
            })}
        </section>
    }
}
