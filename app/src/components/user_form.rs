//! Create or edit a person: name, email (new only), password (required new, optional edit),
//! roles. Client rules are `domain::user`'s; server errors land under their field.

use domain::api::{CreateUserRequest, RoleView, UpdateUserRequest, UserView};
use leptos::prelude::*;

use crate::api;
use crate::components::field::TextField;
use crate::components::field_errors::FieldErrors;
use crate::components::multi_select::{Choice, MultiSelect};
use crate::io::write;

pub fn role_choices(roles: &[RoleView]) -> Vec<Choice> {
    roles.iter().map(|r| Choice { id: r.id.clone(), label: r.name.clone(), detail: r.description.clone() }).collect()
}

/// The form's fields.
#[derive(Clone, Copy)]
struct UserFields {
    email: RwSignal<String>,
    display_name: RwSignal<String>,
    password: RwSignal<String>,
    role_ids: RwSignal<Vec<String>>,
}

impl UserFields {
    fn new(existing: Option<&UserView>) -> Self {
        UserFields {
            email: RwSignal::new(existing.map(|u| u.email.clone()).unwrap_or_default()),
            display_name: RwSignal::new(existing.map(|u| u.display_name.clone()).unwrap_or_default()),
            password: RwSignal::new(String::new()),
            role_ids: RwSignal::new(existing.map(|u| u.role_ids.clone()).unwrap_or_default()),
        }
    }

    /// What the form says, as a create request (an edit sends part of it).
    fn request(self) -> CreateUserRequest {
        CreateUserRequest {
            email: self.email.get_untracked(),
            display_name: self.display_name.get_untracked(),
            password: self.password.get_untracked().into(),
            role_ids: self.role_ids.get_untracked(),
        }
    }
}

#[component]
pub fn UserForm(
    /// `None` creates a user.
    existing: Option<UserView>,
    #[prop(into)] roles: Signal<Vec<RoleView>>,
    on_saved: Callback<UserView>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let fields = UserFields::new(existing.as_ref());
    let errors = FieldErrors::new();
    let form_error = RwSignal::new(None::<String>);
    let is_new = existing.is_none();
    let id = existing.as_ref().map(|user| user.id.clone());
    let save = write(move || {
        let (id, create) = (id.clone(), fields.request());
        async move {
            let result = match &id {
                None => api::create_user(&create).await,
                Some(id) => api::update_user(id, &update_request(&create)).await,
            };
            match result {
                Ok(user) => on_saved.run(user),
                Err(e) => form_error.set(errors.show_api_error(&e)),
            }
            Ok(String::new())
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        form_error.set(None);
        let create = fields.request();
        let check = match &existing {
            None => domain::user::validate_create(&create).map(|_| ()),
            Some(user) => domain::user::validate_update(&update_request(&create), &user.email).map(|_| ()),
        };
        if let Err(e) = check {
            errors.set(&e.field, e.message);
            return;
        }
        save.dispatch(());
    };
    view! {
        <form class="card form" on:submit=submit novalidate data-testid="user-form">
            <h2>{if is_new { "New user" } else { "Edit user" }}</h2>
            <UserInputs fields=fields errors=errors is_new=is_new roles=roles />
            <p class="form-error" role="alert">{move || form_error.get().unwrap_or_default()}</p>
            <div class="actions">
                <button type="submit" disabled=save.pending()>{if is_new { "Create user" } else { "Save changes" }}</button>
                <button type="button" class="secondary" on:click=move |_| on_cancel.run(())>"Cancel"</button>
            </div>
        </form>
    }
}

/// Email (new only), name, password and roles, each with its error.
#[component]
fn UserInputs(fields: UserFields, errors: FieldErrors, is_new: bool, roles: Signal<Vec<RoleView>>) -> impl IntoView {
    view! {
        <Show when=move || is_new>
            <TextField id="user-email" label="Email" value=fields.email kind="email" error=errors.of("email") autocomplete="off" />
        </Show>
        <TextField id="user-name" label="Display name" value=fields.display_name error=errors.of("display_name") />
        <TextField
            id="user-password"
            label=if is_new { "Password" } else { "New password (leave empty to keep)" }
            value=fields.password
            kind="password"
            autocomplete="new-password"
            error=errors.of("password")
            hint=domain::validate::PASSWORD_RULE
        />
        <MultiSelect
            id="user-roles"
            label="Roles"
            choices=Signal::derive(move || role_choices(&roles.get()))
            selected=fields.role_ids
            placeholder="Search roles"
        />
        <p class="field-error">{move || errors.of("role_ids").get().unwrap_or_default()}</p>
    }
}

/// An edit sends only what the form can change; an empty password means "keep".
fn update_request(form: &CreateUserRequest) -> UpdateUserRequest {
    UpdateUserRequest {
        display_name: Some(form.display_name.clone()),
        password: (!form.password.is_empty()).then(|| form.password.clone()),
        active: None,
        role_ids: Some(form.role_ids.clone()),
    }
}
