//! Admin: one role. Name, description and permission checkboxes for custom roles; the member
//! picker for every role (system roles keep name and permissions); delete for custom roles.

use domain::api::{CreateRoleRequest, RoleView, UpdateRoleRequest, UserView};
use domain::permission::Permission;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::api;
use crate::components::field::TextField;
use crate::components::field_errors::FieldErrors;
use crate::components::multi_select::{Choice, MultiSelect};
use crate::components::require_sign_in::RequireSignIn;

#[component]
pub fn RoleEditor() -> impl IntoView {
    view! { <RequireSignIn admin=true><RoleEditorPage /></RequireSignIn> }
}

#[component]
fn RoleEditorPage() -> impl IntoView {
    let params = use_params_map();
    let role_id = move || params.with(|p| p.get("id")).filter(|id| id != "new");
    let role = LocalResource::new(move || {
        let id = role_id();
        async move {
            match id {
                Some(id) => api::role(&id).await.map(Some),
                None => Ok(None),
            }
        }
    });
    let users = LocalResource::new(|| async { api::users("").await.map(|l| l.items).unwrap_or_default() });
    view! {
        {move || match (role.get(), users.get()) {
            (Some(Ok(existing)), Some(users)) => view! { <RoleForm existing=existing users=users /> }.into_any(),
            (Some(Err(e)), _) => view! { <section class="card"><p class="error">{e.message()}</p></section> }.into_any(),
            _ => view! { <p class="muted">"Loading…"</p> }.into_any(),
        }}
    }
}

#[component]
fn RoleForm(existing: Option<RoleView>, users: Vec<UserView>) -> impl IntoView {
    let system = existing.as_ref().is_some_and(|r| r.system);
    let id = existing.as_ref().map(|r| r.id.clone());
    let name = RwSignal::new(existing.as_ref().map(|r| r.name.clone()).unwrap_or_default());
    let description = RwSignal::new(existing.as_ref().map(|r| r.description.clone()).unwrap_or_default());
    let permissions = RwSignal::new(existing.as_ref().map(|r| r.permissions.clone()).unwrap_or_default());
    let members = RwSignal::new(existing.as_ref().map(|r| r.member_ids.clone()).unwrap_or_default());
    let errors = FieldErrors::new();
    let form_error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let navigate = use_navigate();
    let choices: Vec<Choice> = users
        .iter()
        .filter(|u| u.active)
        .map(|u| Choice { id: u.id.clone(), label: u.display_name.clone(), detail: u.email.clone() })
        .collect();

    let save_id = id.clone();
    let save_nav = navigate.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        form_error.set(None);
        let perms: Vec<String> = permissions.get_untracked().iter().map(|p| p.as_str().to_string()).collect();
        if !system && let Err(e) = domain::role::role_name(&name.get_untracked()) {
            errors.set(&e.field, e.message);
            return;
        }
        busy.set(true);
        let id = save_id.clone();
        let navigate = save_nav.clone();
        spawn_local(async move {
            let result = match &id {
                None => {
                    api::create_role(&CreateRoleRequest {
                        name: name.get_untracked(),
                        description: description.get_untracked(),
                        permissions: perms,
                        member_ids: members.get_untracked(),
                    })
                    .await
                }
                Some(id) if system => {
                    api::update_role(
                        id,
                        &UpdateRoleRequest { member_ids: Some(members.get_untracked()), ..Default::default() },
                    )
                    .await
                }
                Some(id) => {
                    api::update_role(
                        id,
                        &UpdateRoleRequest {
                            name: Some(name.get_untracked()),
                            description: Some(description.get_untracked()),
                            permissions: Some(perms),
                            member_ids: Some(members.get_untracked()),
                        },
                    )
                    .await
                }
            };
            busy.set(false);
            match result {
                Ok(_) => navigate("/admin/roles", Default::default()),
                Err(e) => form_error.set(errors.show_api_error(&e)),
            }
        });
    };

    let delete_id = id.clone();
    let delete = move |_| {
        let Some(id) = delete_id.clone() else { return };
        let confirmed = web_sys::window()
            .and_then(|w| w.confirm_with_message("Delete this role? Its members lose what it grants.").ok())
            .unwrap_or(false);
        if !confirmed {
            return;
        }
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::delete_role(&id).await {
                Ok(()) => navigate("/admin/roles", Default::default()),
                Err(e) => form_error.set(Some(e.message())),
            }
        });
    };

    let is_new = id.is_none();
    view! {
        <form class="card form" on:submit=submit novalidate data-testid="role-form">
            <h1>{if is_new { "New role".to_string() } else { format!("Role: {}", name.get_untracked()) }}</h1>
            {if system {
                view! { <p class="muted">"A system role: its name and permissions are fixed; you can change who is in it."</p> }.into_any()
            } else {
                view! {
                    <TextField id="role-name" label="Name" value=name error=errors.of("name") />
                    <TextField id="role-description" label="Description" value=description error=errors.of("description") />
                    <fieldset class="permissions">
                        <legend>"OAuth connections"</legend>
                        {Permission::ALL.into_iter().map(|p| view! {
                            <label class="choice">
                                <input
                                    type="checkbox"
                                    name=p.as_str()
                                    prop:checked=move || permissions.with(|ps| ps.contains(&p))
                                    on:change=move |_| permissions.update(|ps| {
                                        if let Some(at) = ps.iter().position(|x| *x == p) { ps.remove(at); } else { ps.push(p); }
                                    })
                                />
                                <span class="choice-label">{p.label()}</span>
                            </label>
                        }).collect_view()}
                        <p class="field-error">{move || errors.of("permissions").get().unwrap_or_default()}</p>
                    </fieldset>
                }.into_any()
            }}
            <MultiSelect id="role-members" label="Members" choices=Signal::stored(choices) selected=members placeholder="Search people by name or email" />
            <p class="field-error">{move || errors.of("member_ids").get().unwrap_or_default()}</p>
            <p class="form-error" role="alert">{move || form_error.get().unwrap_or_default()}</p>
            <div class="actions">
                <button type="submit" disabled=move || busy.get()>{if is_new { "Create role" } else { "Save role" }}</button>
                {(!is_new && !system).then(|| view! { <button type="button" class="danger" on:click=delete.clone()>"Delete role"</button> })}
            </div>
        </form>
    }
}
