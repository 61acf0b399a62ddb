//! The wizard's state, shared by its four steps through context: every field as a signal, which
//! step is showing, what is saved, and the rules (from `domain`) that decide whether Next works.

use std::collections::BTreeMap;

use domain::api::{ConnectionView, ProviderView};
use domain::connection::{self, ConnectionInput, GrantType};
use domain::connection_edit::effect_of_edit;
use domain::endpoint::EndpointPolicy;
use domain::validate::FieldError;
use leptos::prelude::*;

pub const STEPS: [&str; 4] =
    ["Connection settings", "Authentication details", "Test connection and save credentials", "Invite roles"];

#[derive(Clone, Copy)]
pub struct WizardState {
    pub step: RwSignal<usize>,
    pub provider: RwSignal<String>,
    pub name: RwSignal<String>,
    pub description: RwSignal<String>,
    pub grant_type: RwSignal<String>,
    pub client_id: RwSignal<String>,
    pub client_secret: RwSignal<String>,
    pub authorization_url: RwSignal<String>,
    pub token_url: RwSignal<String>,
    pub scopes: RwSignal<String>,
    pub placeholders: RwSignal<BTreeMap<String, String>>,
    pub client_auth_method: RwSignal<String>,
    pub save_credentials: RwSignal<bool>,
    pub api_base_url: RwSignal<String>,
    /// The provider's issuer identifier (discovery fills it).
    pub issuer: RwSignal<String>,
    /// The RFC 7009 revocation endpoint; optional.
    pub revocation_url: RwSignal<String>,
    /// RFC 9207: answers without `iss` are refused.
    pub iss_required: RwSignal<bool>,
    /// What the last discovery found; with what it would change (editing) until applied.
    pub discovered: RwSignal<Option<domain::discovery::Discovered>>,
    pub invited: RwSignal<Vec<String>>,
    /// Set once the connection exists (edit mode, or after step 3 saved it).
    pub saved_id: RwSignal<Option<String>>,
    /// A secret is stored: the field may stay empty ("keep").
    pub secret_on_file: RwSignal<bool>,
    /// Fields the person has typed in: "required" messages wait for them.
    pub touched: RwSignal<Vec<String>>,
    /// An error the server returned, by field.
    pub server_error: RwSignal<Option<FieldError>>,
    /// Where endpoint URLs may point in this deployment (from `/config`), so the wizard applies
    /// the same outbound URL rule as the worker.
    pub policy: RwSignal<EndpointPolicy>,
    /// The connection as last saved: an edit that moves where credentials go needs the secret.
    pub stored: RwSignal<Option<ConnectionInput>>,
    /// Steps where Next (or Enter) was pressed: every error of such a step shows.
    pub attempted: RwSignal<Vec<usize>>,
    /// Something was typed or chosen since the last save: leaving asks first.
    pub dirty: RwSignal<bool>,
    /// The name is taken by another connection (checked while typing).
    pub name_taken: RwSignal<bool>,
}

impl WizardState {
    pub fn new() -> Self {
        WizardState {
            step: RwSignal::new(0),
            provider: RwSignal::new(String::new()),
            name: RwSignal::new(String::new()),
            description: RwSignal::new(String::new()),
            grant_type: RwSignal::new(GrantType::AuthorizationCode.as_str().into()),
            client_id: RwSignal::new(String::new()),
            client_secret: RwSignal::new(String::new()),
            authorization_url: RwSignal::new(String::new()),
            token_url: RwSignal::new(String::new()),
            scopes: RwSignal::new(String::new()),
            placeholders: RwSignal::new(BTreeMap::new()),
            client_auth_method: RwSignal::new(String::new()),
            save_credentials: RwSignal::new(false),
            api_base_url: RwSignal::new(String::new()),
            issuer: RwSignal::new(String::new()),
            revocation_url: RwSignal::new(String::new()),
            iss_required: RwSignal::new(false),
            discovered: RwSignal::new(None),
            invited: RwSignal::new(Vec::new()),
            saved_id: RwSignal::new(None),
            secret_on_file: RwSignal::new(false),
            touched: RwSignal::new(Vec::new()),
            server_error: RwSignal::new(None),
            policy: RwSignal::new(EndpointPolicy::default()),
            stored: RwSignal::new(None),
            attempted: RwSignal::new(Vec::new()),
            dirty: RwSignal::new(false),
            name_taken: RwSignal::new(false),
        }
    }

    /// Fill from a stored connection (edit mode).
    pub fn load(self, c: &ConnectionView) {
        self.provider.set(c.provider.as_str().into());
        self.name.set(c.name.clone());
        self.description.set(c.description.clone());
        self.grant_type.set(c.grant_type.as_str().into());
        self.client_id.set(c.client_id.clone());
        self.authorization_url.set(c.authorization_url.clone());
        self.token_url.set(c.token_url.clone());
        self.scopes.set(c.scopes.join(" "));
        self.placeholders.set(c.placeholders.clone());
        self.client_auth_method.set(c.client_auth_method.as_str().into());
        self.save_credentials.set(c.save_credentials);
        self.api_base_url.set(c.api_base_url.clone().unwrap_or_default());
        self.issuer.set(c.issuer.clone());
        self.revocation_url.set(c.revocation_url.clone());
        self.iss_required.set(c.iss_required);
        self.invited.set(c.invited_role_ids.clone());
        self.saved_id.set(Some(c.id.clone()));
        self.secret_on_file.set(c.client_secret_set);
        self.stored.set(Some(self.input_untracked()));
    }

    /// A new provider type brings its URL formats (the API base URL's too), default scopes, auth method, and a grant it
    /// supports.
    pub fn choose_provider(self, provider: &ProviderView) {
        self.provider.set(provider.kind.as_str().into());
        self.authorization_url.set(provider.authorization_url.clone());
        self.token_url.set(provider.token_url.clone());
        self.revocation_url.set(provider.revocation_url.clone());
        self.scopes.set(provider.default_scopes.join(" "));
        self.api_base_url.set(provider.api_base_url.clone());
        self.client_auth_method.set(provider.default_auth_method.as_str().into());
        if !provider.supports_pkce && self.grant_type.get_untracked() == GrantType::AuthorizationCodePkce.as_str() {
            self.grant_type.set(GrantType::AuthorizationCode.as_str().into());
        }
    }

    pub fn touch(self, field: &str) {
        if !self.touched.with_untracked(|t| t.iter().any(|f| f == field)) {
            self.touched.update(|t| t.push(field.to_string()));
        }
        if self.server_error.with_untracked(|e| e.as_ref().is_some_and(|e| e.field == field)) {
            self.server_error.set(None);
        }
    }

    /// What the API receives. An empty secret field means "keep the stored one".
    pub fn input(self) -> ConnectionInput {
        let secret = self.client_secret.get();
        ConnectionInput {
            provider: self.provider.get(),
            name: self.name.get(),
            description: self.description.get(),
            grant_type: self.grant_type.get(),
            client_id: self.client_id.get(),
            client_secret: (!secret.trim().is_empty()).then_some(secret.into()),
            authorization_url: self.authorization_url.get(),
            token_url: self.token_url.get(),
            scopes: vec![self.scopes.get()],
            placeholders: self.placeholders.get(),
            client_auth_method: Some(self.client_auth_method.get()).filter(|m| !m.is_empty()),
            save_credentials: self.save_credentials.get(),
            api_base_url: self.api_base_url.get(),
            issuer: self.issuer.get(),
            revocation_url: self.revocation_url.get(),
            iss_required: self.iss_required.get(),
        }
    }

    /// Take what discovery found into the fields (`domain::discovery::apply`): a new connection
    /// takes the suggested grant and method, an edited one keeps those still supported.
    pub fn apply_discovery(self, found: &domain::discovery::Discovered) {
        let mut input = self.input_untracked();
        domain::discovery::apply(&mut input, found, self.stored.get_untracked().is_some());
        self.issuer.set(input.issuer);
        self.authorization_url.set(input.authorization_url);
        self.token_url.set(input.token_url);
        self.revocation_url.set(input.revocation_url);
        self.iss_required.set(input.iss_required);
        self.grant_type.set(input.grant_type);
        self.client_auth_method.set(input.client_auth_method.unwrap_or_default());
        for field in ["authorization_url", "token_url", "revocation_url", "issuer"] {
            self.touch(field);
        }
    }

    /// The same, read without tracking (after a load or a save).
    pub fn input_untracked(self) -> ConnectionInput {
        leptos::prelude::untrack(|| self.input())
    }

    pub fn grant(self) -> GrantType {
        GrantType::parse(&self.grant_type.get()).unwrap_or(GrantType::AuthorizationCode)
    }

    /// The first rule the given step breaks (tracked: Next follows it).
    pub fn step_error(self, step: usize) -> Option<FieldError> {
        let input = self.input();
        match step {
            0 if self.name_taken.get() => {
                Some(FieldError::new("name", "name_taken", "A connection with this name exists already."))
            }
            0 => connection::validate_settings(&input).err(),
            1 | 2 => self.edit_error(&input).err(),
            _ => None,
        }
    }

    /// The worker's rules for steps 2 and 3: the fields, then what the edit means for the stored
    /// credentials (moving them elsewhere needs the secret again).
    fn edit_error(self, input: &ConnectionInput) -> Result<(), FieldError> {
        let policy = self.policy.get();
        let on_file = self.secret_on_file.get();
        let after = connection::validate(input, on_file, policy)?;
        let stored = self.stored.get();
        if let Some(before) = stored.as_ref().and_then(|s| connection::validate(s, true, policy).ok()) {
            effect_of_edit(&before, &after, on_file)?;
        }
        Ok(())
    }

    /// The message to show under `field`: the live rule, or what the server said. A rule that
    /// only says something is missing waits until the field was touched or Next was pressed on
    /// this step; one about a value given (a bad URL, a secret an edit needs) shows at once.
    pub fn error_for(self, field: &'static str) -> Signal<Option<String>> {
        Signal::derive(move || {
            if let Some(e) = self.server_error.get().filter(|e| e.field == field) {
                return Some(e.message);
            }
            let step = self.step.get();
            let error = self.step_error(step)?;
            let missing = matches!(error.code.as_str(), "required" | "unknown_provider" | "placeholder_unfilled");
            let shown = error.field == field
                && (!missing
                    || self.touched.with(|t| t.iter().any(|f| f == field))
                    || self.attempted.with(|a| a.contains(&step)));
            shown.then_some(error.message)
        })
    }

    /// Next or Enter: on to the following step when this one is valid; otherwise every error of
    /// the step shows and the first invalid field gets the focus.
    pub fn advance(self) {
        let step = self.step.get_untracked();
        match untrack(|| self.step_error(step)) {
            None => self.step.set(step + 1),
            Some(error) => {
                if !self.attempted.with_untracked(|a| a.contains(&step)) {
                    self.attempted.update(|a| a.push(step));
                }
                focus(&element_id(&error.field));
            }
        }
    }
}

/// The element that edits a field (the wizard's ids).
pub fn element_id(field: &str) -> String {
    match field {
        "provider" => "provider-search".into(),
        "name" => "connection-name".into(),
        "description" => "connection-description".into(),
        "grant_type" => "grant".into(),
        "role_ids" => "invite-roles-search".into(),
        other => match other.strip_prefix("placeholders.") {
            Some(key) => format!("placeholder-{key}"),
            None => other.replace('_', "-"),
        },
    }
}

/// Move the focus to the element with this id, if it is on the page.
pub fn focus(id: &str) {
    use wasm_bindgen::JsCast;
    let element = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(id));
    if let Some(element) = element.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = element.focus();
    }
}

impl Default for WizardState {
    fn default() -> Self {
        Self::new()
    }
}
