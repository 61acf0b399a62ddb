//! Field errors by field name, from the client rules (`domain`) or the server's `field`.

use leptos::prelude::*;

use crate::api::ApiError;

/// Field errors by field name, from either the client rules or the server.
#[derive(Clone, Copy)]
pub struct FieldErrors(RwSignal<Vec<(String, String)>>);

impl FieldErrors {
    pub fn new() -> Self {
        FieldErrors(RwSignal::new(Vec::new()))
    }
    pub fn of(self, field: &'static str) -> Signal<Option<String>> {
        let errors = self.0;
        Signal::derive(move || errors.with(|e| e.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone())))
    }
    pub fn set(self, field: &str, message: String) {
        self.0.set(vec![(field.to_string(), message)]);
    }
    pub fn clear(self) {
        self.0.set(Vec::new());
    }
    /// Put a server error under its field; return it as a form-level message otherwise.
    pub fn show_api_error(self, error: &ApiError) -> Option<String> {
        match error.field() {
            Some(field) => {
                self.set(field, error.message());
                None
            }
            None => Some(error.message()),
        }
    }
}

impl Default for FieldErrors {
    fn default() -> Self {
        Self::new()
    }
}
