//! Admin: people. Search, create, edit (name, password, roles), deactivate and reactivate.

use domain::api::{RoleView, UpdateUserRequest, UserView};
use leptos::prelude::*;

use crate::api;
use crate::components::feedback::Loaded;
use crate::components::require_sign_in::RequireSignIn;
use crate::components::user_form::UserForm;
use crate::format::timestamp;
use crate::io::{load, write};

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
    let users = load(move || {
        let q = search.get();
        async move { api::users(&q).await }
    });
    let roles = load(|| async { api::roles("").await.map(|l| l.items).unwrap_or_default() });
    let role_list = Signal::derive(move || roles.get().unwrap_or_default());
    let editing = RwSignal::new(Editing::None);
    let notice = RwSignal::new(None::<String>);
    let changed = move || {
        users.refetch();
        roles.refetch();
    };
    let said = Callback::new(move |text: String| notice.set(Some(text)));
    let saved = Callback::new(move |user: UserView| {
        notice.set(Some(format!("Saved {}.", user.display_name)));
        editing.set(Editing::None);
        changed();
    });
    view! {
        <section class="page-head">
            <h1>"Users"</h1>
            <button type="button" on:click=move |_| editing.set(Editing::New)>"New user"</button>
        </section>
        <p class="notice" role="status">{move || notice.get().unwrap_or_default()}</p>
        {move || {
            let existing = match editing.get() {
                Editing::None => return None,
                Editing::New => None,
                Editing::User(user) => Some(user),
            };
            let cancel = Callback::new(move |()| editing.set(Editing::None));
            Some(view! { <UserForm existing=existing roles=role_list on_saved=saved on_cancel=cancel /> })
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
                <Loaded columns=6 view=move || users.get().map(|list| list.map(|list| {
                        if list.items.is_empty() {
                            return view! { <tr><td colspan="6" class="muted">"No users match."</td></tr> }.into_any();
                        }
                        list.items.into_iter().map(|user| view! {
                            <UserRow user=user roles=role_list on_edit=Callback::new(move |u| editing.set(Editing::User(u))) said=said changed=Callback::new(move |()| changed()) />
                        }).collect_view().into_any()
                    })) />
            </tbody>
        </table>
    }
}

#[component]
fn UserRow(
    user: UserView,
    roles: Signal<Vec<RoleView>>,
    on_edit: Callback<UserView>,
    said: Callback<String>,
    changed: Callback<()>,
) -> impl IntoView {
    let role_name = move |id: &str| {
        roles.with(|roles| roles.iter().find(|r| r.id == id).map(|r| r.name.clone()).unwrap_or_else(|| id.to_string()))
    };
    let active = user.active;
    let (for_edit, for_toggle) = (user.clone(), user.clone());
    // Deactivate or activate again.
    let toggle = write(move || {
        let (id, name) = (for_toggle.id.clone(), for_toggle.display_name.clone());
        async move {
            let request = UpdateUserRequest { active: Some(!active), ..Default::default() };
            said.run(match api::update_user(&id, &request).await {
                Ok(_) => {
                    changed.run(());
                    let now = if active { "deactivated: their sessions and API keys ended" } else { "active again" };
                    format!("{name} is {now}.")
                }
                Err(e) => e.message(),
            });
            Ok(String::new())
        }
    });
    view! {
        <tr class:inactive=!active>
            <td>{user.display_name}</td>
            <td>{user.email}</td>
            <td>{user.role_ids.into_iter().map(|id| view! { <span class="badge">{move || role_name(&id)}</span> }).collect_view()}</td>
            <td>{if active { view! { <span class="status ok">"Active"</span> } } else { view! { <span class="status off">"Inactive"</span> } }}</td>
            <td>{user.last_sign_in_at.map(timestamp).unwrap_or_else(|| "never".into())}</td>
            <td class="row-actions">
                <button type="button" class="link" on:click=move |_| on_edit.run(for_edit.clone())>"Edit"</button>
                <button type="button" class="link" disabled=toggle.pending() on:click=move |_| { toggle.dispatch(()); }>
                    {if active { "Deactivate" } else { "Activate" }}
                </button>
            </td>
        </tr>
    }
}
