//! Admin: one role. Name, description and permission checkboxes for custom roles; the member
//! picker for every role (system roles keep name and permissions); delete for custom roles.

use domain::api::{CreateRoleRequest, RoleView, UpdateRoleRequest, UserView};
use domain::permission::Permission;
use leptos::prelude::*;

use crate::api;
use crate::components::feedback::Loaded;
use crate::components::field::TextField;
use crate::components::field_errors::FieldErrors;
use crate::components::multi_select::{Choice, MultiSelect};
use crate::components::require_sign_in::RequireSignIn;
use crate::io::{load, write};
use crate::nav::use_navigate;

#[component]
pub fn RoleEditor(id: String) -> impl IntoView {
    view! { <RequireSignIn admin=true><RoleEditorPage id=id.clone() /></RequireSignIn> }
}

#[component]
fn RoleEditorPage(id: String) -> impl IntoView {
    let role = load(move || {
        let id = Some(id.clone()).filter(|id| id != "new");
        async move {
            match id {
                Some(id) => api::role(&id).await.map(Some),
                None => Ok(None),
            }
        }
    });
    let users = load(|| async { api::users("").await.map(|l| l.items).unwrap_or_default() });
    view! {
        <Loaded view=move || {
                let (role, users) = (role.get()?, users.get()?);
                Some(role.map(|existing| view! { <RoleForm existing=existing users=users /> }.into_any()))
            } />
    }
}

/// The form's fields.
#[derive(Clone, Copy)]
struct RoleFields {
    name: RwSignal<String>,
    description: RwSignal<String>,
    permissions: RwSignal<Vec<Permission>>,
    members: RwSignal<Vec<String>>,
}

impl RoleFields {
    fn new(existing: Option<&RoleView>) -> Self {
        RoleFields {
            name: RwSignal::new(existing.map(|r| r.name.clone()).unwrap_or_default()),
            description: RwSignal::new(existing.map(|r| r.description.clone()).unwrap_or_default()),
            permissions: RwSignal::new(existing.map(|r| r.permissions.clone()).unwrap_or_default()),
            members: RwSignal::new(existing.map(|r| r.member_ids.clone()).unwrap_or_default()),
        }
    }

    fn create(self) -> CreateRoleRequest {
        CreateRoleRequest {
            name: self.name.get_untracked(),
            description: self.description.get_untracked(),
            permissions: self.permissions.get_untracked().iter().map(|p| p.as_str().to_string()).collect(),
            member_ids: self.members.get_untracked(),
        }
    }

    /// The changes to a role: a system role's members only.
    fn update(self, system: bool) -> UpdateRoleRequest {
        let role = self.create();
        if system {
            return UpdateRoleRequest { member_ids: Some(role.member_ids), ..Default::default() };
        }
        UpdateRoleRequest {
            name: Some(role.name),
            description: Some(role.description),
            permissions: Some(role.permissions),
            member_ids: Some(role.member_ids),
        }
    }
}

#[component]
fn RoleForm(existing: Option<RoleView>, users: Vec<UserView>) -> impl IntoView {
    let system = existing.as_ref().is_some_and(|r| r.system);
    let id = existing.as_ref().map(|r| r.id.clone());
    let fields = RoleFields::new(existing.as_ref());
    let errors = FieldErrors::new();
    let form_error = RwSignal::new(None::<String>);
    let navigate = use_navigate();
    let save = {
        let id = id.clone();
        write(move || {
            let (id, navigate, create, update) = (id.clone(), navigate, fields.create(), fields.update(system));
            async move {
                let result = match &id {
                    None => api::create_role(&create).await,
                    Some(id) => api::update_role(id, &update).await,
                };
                match result {
                    Ok(_) => navigate("/admin/roles"),
                    Err(e) => form_error.set(errors.show_api_error(&e)),
                }
                Ok(String::new())
            }
        })
    };
    let is_new = id.is_none();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        form_error.set(None);
        if !system && let Err(e) = domain::role::role_name(&fields.name.get_untracked()) {
            errors.set(&e.field, e.message);
            return;
        }
        save.dispatch(());
    };
    view! {
        <form class="card form" on:submit=submit novalidate data-testid="role-form">
            <h1>{if is_new { "New role".to_string() } else { format!("Role: {}", fields.name.get_untracked()) }}</h1>
            {if system {
                view! { <p class="muted">"A system role: its name and permissions are fixed; you can change who is in it."</p> }.into_any()
            } else {
                view! {
                    <TextField id="role-name" label="Name" value=fields.name error=errors.of("name") />
                    <TextField id="role-description" label="Description" value=fields.description error=errors.of("description") />
                    <PermissionChoices permissions=fields.permissions errors=errors />
                }.into_any()
            }}
            <Members users=users members=fields.members errors=errors />
            <p class="form-error" role="alert">{move || form_error.get().unwrap_or_default()}</p>
            <div class="actions">
                <button type="submit" disabled=save.pending()>{if is_new { "Create role" } else { "Save role" }}</button>
                {id.filter(|_| !system).map(|id| view! { <DeleteRole id=id form_error=form_error /> })}
            </div>
        </form>
    }
}

/// Who is in the role, picked among the active people.
#[component]
fn Members(users: Vec<UserView>, members: RwSignal<Vec<String>>, errors: FieldErrors) -> impl IntoView {
    let choices: Vec<Choice> = users
        .into_iter()
        .filter(|u| u.active)
        .map(|u| Choice { id: u.id, label: u.display_name, detail: u.email })
        .collect();
    view! {
        <MultiSelect id="role-members" label="Members" choices=Signal::stored(choices) selected=members placeholder="Search people by name or email" />
        <p class="field-error">{move || errors.of("member_ids").get().unwrap_or_default()}</p>
    }
}

/// The permission checkboxes of a custom role.
#[component]
fn PermissionChoices(permissions: RwSignal<Vec<Permission>>, errors: FieldErrors) -> impl IntoView {
    let toggle = move |p: Permission| {
        permissions.update(|ps| {
            if let Some(at) = ps.iter().position(|x| *x == p) {
                ps.remove(at);
            } else {
                ps.push(p);
            }
        })
    };
    view! {
        <fieldset class="permissions">
            <legend>"OAuth connections"</legend>
            {Permission::ALL.into_iter().map(|p| view! {
                <label class="choice">
                    <input
                        type="checkbox"
                        name=p.as_str()
                        prop:checked=move || permissions.with(|ps| ps.contains(&p))
                        on:change=move |_| toggle(p)
                    />
                    <span class="choice-label">{p.label()}</span>
                </label>
            }).collect_view()}
            <p class="field-error">{move || errors.of("permissions").get().unwrap_or_default()}</p>
        </fieldset>
    }
}

/// Delete a custom role, after a confirmation.
#[component]
fn DeleteRole(id: String, form_error: RwSignal<Option<String>>) -> impl IntoView {
    let navigate = use_navigate();
    let delete = write(move || {
        let (id, navigate) = (id.clone(), navigate);
        async move {
            match api::delete_role(&id).await {
                Ok(()) => navigate("/admin/roles"),
                Err(e) => form_error.set(Some(e.message())),
            }
            Ok(String::new())
        }
    });
    let confirm = move |_| {
        let confirmed = web_sys::window()
            .and_then(|w| w.confirm_with_message("Delete this role? Its members lose what it grants.").ok())
            .unwrap_or(false);
        if confirmed {
            delete.dispatch(());
        }
    };
    view! { <button type="button" class="danger" disabled=delete.pending() on:click=confirm>"Delete role"</button> }
}
