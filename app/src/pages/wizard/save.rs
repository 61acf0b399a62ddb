//! Saving from the wizard: create the first time, update after; a server error is put under its
//! field and sends the wizard back to the step that shows it.

use domain::api::ConnectionView;
use domain::validate::FieldError;
use leptos::prelude::*;

use super::state::WizardState;
use crate::api;
use crate::components::toast::use_toasts;

/// Create or update; on success the secret field is cleared (it is on file now).
pub async fn save(state: WizardState) -> Result<ConnectionView, String> {
    let input = state.input();
    let creating = state.saved_id.get_untracked().is_none();
    let result = match state.saved_id.get_untracked() {
        None => api::create_connection(&input).await,
        Some(id) => api::update_connection(&id, &input).await,
    };
    match result {
        Ok(view) => {
            use_toasts().ok(if creating {
                format!("Connection \u{201c}{}\u{201d} created.", view.name)
            } else {
                "Changes saved.".to_string()
            });
            state.saved_id.set(Some(view.id.clone()));
            state.secret_on_file.set(view.client_secret_set);
            state.client_secret.set(String::new());
            state.stored.set(Some(state.input_untracked()));
            state.dirty.set(false);
            Ok(view)
        }
        Err(error) => {
            if let Some(field) = error.field() {
                state.server_error.set(Some(FieldError::new(field, "server", error.message())));
                state.step.set(step_of(field));
            }
            Err(error.message())
        }
    }
}

/// Which step shows a field.
pub fn step_of(field: &str) -> usize {
    match field {
        "provider" | "name" | "description" => 0,
        "role_ids" => 3,
        _ => 1,
    }
}
