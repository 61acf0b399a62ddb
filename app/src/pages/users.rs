//! Admin: people. Search, create, edit (name, password, roles), deactivate and reactivate.

use domain::api::{UpdateUserRequest, UserView};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::components::require_sign_in::RequireSignIn;
use crate::components::user_form::UserForm;
use crate::format::timestamp;

#[derive(Clone, PartialEq)]
enum Editing {
    None,
    New,
    User(UserView),
}

#[component]
pub fn Users() -> impl IntoView {
    view! { <RequireSignIn admin=true><UsersPage /></RequireSignIn> }
}

#[component]
fn UsersPage() -> impl IntoView {
    let search = RwSignal::new(String::new());
    let version = RwSignal::new(0u32);
    let users = LocalResource::new(move || {
        version.track();
        let q = search.get();
        async move { api::users(&q).await }
    });
    let roles = LocalResource::new(move || {
        version.track();
        async move { api::roles("").await.map(|l| l.items).unwrap_or_default() }
    });
    let role_list = Signal::derive(move || roles.get().unwrap_or_default());
    let editing = RwSignal::new(Editing::None);
    let notice = RwSignal::new(None::<String>);
    let role_name = move |id: &str| {
        role_list
            .with(|roles| roles.iter().find(|r| r.id == id).map(|r| r.name.clone()).unwrap_or_else(|| id.to_string()))
    };

    let set_active = move |user: UserView, active: bool| {
        spawn_local(async move {
            let request = UpdateUserRequest { active: Some(active), ..Default::default() };
            match api::update_user(&user.id, &request).await {
                Ok(_) => {
                    notice.set(Some(format!(
                        "{} is {}.",
                        user.display_name,
                        if active { "active again" } else { "deactivated: their sessions and API keys ended" }
                    )));
                    version.update(|v| *v += 1);
                }
                Err(e) => notice.set(Some(e.message())),
            }
        });
    };

    view! {
        <section class="page-head">
            <h1>"Users"</h1>
            <button type="button" on:click=move |_| editing.set(Editing::New)>"New user"</button>
        </section>
        <p class="notice" role="status">{move || notice.get().unwrap_or_default()}</p>
        {move || match editing.get() {
            Editing::None => ().into_any(),
            mode => {
                let existing = match mode { Editing::User(u) => Some(u), _ => None };
                view! {
                    <UserForm
                        existing=existing
                        roles=role_list
                        on_saved=Callback::new(move |user: UserView| {
                            notice.set(Some(format!("Saved {}.", user.display_name)));
                            editing.set(Editing::None);
                            version.update(|v| *v += 1);
                        })
                        on_cancel=Callback::new(move |()| editing.set(Editing::None))
                    />
                }.into_any()
            }
        }}
        <input
            class="search"
            type="search"
            placeholder="Search by name or email"
            aria-label="Search users"
            prop:value=move || search.get()
            on:input=move |ev| search.set(event_target_value(&ev))
        />
        <table class="table" data-testid="users-table">
            <thead><tr><th>"Name"</th><th>"Email"</th><th>"Roles"</th><th>"Status"</th><th>"Last sign-in"</th><th></th></tr></thead>
            <tbody>
                {move || match users.get() {
                    None => view! { <tr><td colspan="6" class="muted">"Loading…"</td></tr> }.into_any(),
                    Some(Err(e)) => view! { <tr><td colspan="6" class="error">{e.message()}</td></tr> }.into_any(),
                    Some(Ok(list)) if list.items.is_empty() => view! { <tr><td colspan="6" class="muted">"No users match."</td></tr> }.into_any(),
                    Some(Ok(list)) => list.items.into_iter().map(|user| {
                        let for_edit = user.clone();
                        let for_toggle = user.clone();
                        let active = user.active;
                        view! {
                            <tr class:inactive=!active>
                                <td>{user.display_name.clone()}</td>
                                <td>{user.email.clone()}</td>
                                <td>{user.role_ids.iter().map(|id| view! { <span class="badge">{role_name(id)}</span> }).collect_view()}</td>
                                <td>{if active { view! { <span class="status ok">"Active"</span> } } else { view! { <span class="status off">"Inactive"</span> } }}</td>
                                <td>{user.last_sign_in_at.map(timestamp).unwrap_or_else(|| "never".into())}</td>
                                <td class="row-actions">
                                    <button type="button" class="link" on:click=move |_| editing.set(Editing::User(for_edit.clone()))>"Edit"</button>
                                    <button type="button" class="link" on:click=move |_| set_active(for_toggle.clone(), !active)>
                                        {if active { "Deactivate" } else { "Activate" }}
                                    </button>
                                </td>
                            </tr>
                        }
                    }).collect_view().into_any(),
                }}
            </tbody>
        </table>
    }
}
