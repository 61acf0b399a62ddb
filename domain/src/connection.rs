//! OAuth connections: grant types, client authentication, the status state machine, and what a
//! valid connection is (ARCHITECTURE.md). Decisions only; the worker stores and the SPA shows.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::api_base;
use crate::endpoint::{self, EndpointPolicy};
use crate::provider::{self, Provider, ProviderKind};
use crate::scope;
use crate::secret::Secret;
use crate::validate::{self, DESCRIPTION_MAX_CHARS, FieldError};

crate::text_enum! {
    /// The OAuth 2.0 grant a connection uses to get its tokens.
    pub enum GrantType {
        /// A person consents at the provider; the code is exchanged with the client secret.
        AuthorizationCode = "authorization_code",
        /// The same with PKCE (RFC 7636); the client secret is optional (a public client).
        AuthorizationCodePkce = "authorization_code_pkce",
        /// No person: the client's own credentials get a shared token.
        ClientCredentials = "client_credentials",
    }
}

impl GrantType {
    /// The grant's name as people read it.
    pub fn label(self) -> &'static str {
        match self {
            GrantType::AuthorizationCode => "Authorization Code",
            GrantType::AuthorizationCodePkce => "Authorization Code with PKCE",
            GrantType::ClientCredentials => "Client Credentials",
        }
    }

    /// Grants that send a person through the provider's consent page.
    pub fn uses_consent(self) -> bool {
        self != GrantType::ClientCredentials
    }
}

crate::text_enum! {
    /// How the client authenticates at the token endpoint (RFC 6749 §2.3.1); the same method is
    /// used for the code exchange and every refresh.
    pub enum ClientAuthMethod {
        /// Client id and secret in an HTTP Basic `Authorization` header.
        ClientSecretBasic = "client_secret_basic",
        /// Client id and secret as `client_id` and `client_secret` in the form body.
        ClientSecretPost = "client_secret_post",
    }
}

crate::text_enum! {
    /// `draft` (never tested) → `ready` → `needs_reauth` (refresh got `invalid_grant`) → `ready`.
    pub enum ConnectionStatus {
        /// New or changed since its last successful test or consent.
        Draft = "draft",
        /// A test or consent got a token with the current settings.
        Ready = "ready",
        /// A refresh was answered `invalid_grant`: someone must consent again.
        NeedsReauth = "needs_reauth",
    }
}

impl ConnectionStatus {
    /// The status as people read it.
    pub fn label(self) -> &'static str {
        match self {
            ConnectionStatus::Draft => "Not tested",
            ConnectionStatus::Ready => "Ready",
            ConnectionStatus::NeedsReauth => "Needs re-authorization",
        }
    }
}

/// What happened to a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusEvent {
    /// A test or a consent finished with a token.
    Authorized,
    /// A refresh was answered `invalid_grant`.
    RefreshRejected,
    /// Client id, secret, URLs, scopes or grant changed: what was tested no longer holds.
    CredentialsChanged,
}

/// The status after `event`: any consent or test makes it `ready`, a changed credential makes
/// it `draft`, a rejected refresh makes a tested connection `needs_reauth`.
pub fn next_status(current: ConnectionStatus, event: StatusEvent) -> ConnectionStatus {
    match (current, event) {
        (_, StatusEvent::Authorized) => ConnectionStatus::Ready,
        (ConnectionStatus::Draft, StatusEvent::RefreshRejected) => ConnectionStatus::Draft,
        (_, StatusEvent::RefreshRejected) => ConnectionStatus::NeedsReauth,
        (_, StatusEvent::CredentialsChanged) => ConnectionStatus::Draft,
    }
}

/// `POST /api/v1/connections` and the wizard's state; `PATCH /api/v1/connections/{id}` sends
/// only the fields to change, laid over the stored ones.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ConnectionInput {
    /// A `ProviderKind` name (`salesforce`, `custom`, …); another text is a field error.
    pub provider: String,
    /// Unique among connections, case-insensitively; at most 64 characters of letters, digits,
    /// spaces and `-_.()&/`, starting with a letter or digit.
    pub name: String,
    /// Optional; at most 500 characters.
    #[serde(default)]
    pub description: String,
    /// A `GrantType` name; `authorization_code_pkce` only where the provider supports PKCE.
    pub grant_type: String,
    /// The client id registered at the provider; required, at most 512 characters.
    pub client_id: String,
    /// Write-only, at most 4096 characters. Required at creation except for PKCE (a public
    /// client may have none); on update, present = replace, absent or blank = keep.
    #[serde(default, serialize_with = "crate::secret::reveal", skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<Secret>,
    /// The provider's authorize endpoint, placeholders allowed; required unless the grant is
    /// `client_credentials` (then ignored). https on a public host (see `EndpointPolicy`).
    #[serde(default)]
    pub authorization_url: String,
    /// The provider's token endpoint, placeholders allowed; required, under the same rule.
    #[serde(default)]
    pub token_url: String,
    /// Commas or spaces inside items are fine: they are normalised. At most 50 scopes of at most
    /// 512 characters each, without `"`, `\` or control characters.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Values for `<yourinstance>`, `<tenant-id>`, `<domain-name>`, `<region-domain>`, keyed without the angle
    /// brackets: letters, digits, dots and dashes only; blank values are dropped.
    #[serde(default)]
    pub placeholders: BTreeMap<String, String>,
    /// A `ClientAuthMethod` name; absent or blank means the provider's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_auth_method: Option<String>,
    /// Keep the token of a successful test as the connection's shared token.
    #[serde(default)]
    pub save_credentials: bool,
    /// Where the token-free proxy sends calls (`api_base.rs`): placeholders allowed, and
    /// `{instance_url}` at the start for the token response's own; blank = no proxy.
    #[serde(default)]
    pub api_base_url: String,
    /// The provider's issuer identifier (discovery fills it); optional. When set, an `iss` in
    /// the authorization response must name exactly it (RFC 9207).
    #[serde(default)]
    pub issuer: String,
    /// The provider's token revocation endpoint (RFC 7009), placeholders allowed; optional.
    /// Dropped tokens are sent there. Under the same URL rule as the others.
    #[serde(default)]
    pub revocation_url: String,
    /// The provider sends `iss` with every authorization response (RFC 9207; discovery fills
    /// it): an answer without `iss` is then refused.
    #[serde(default)]
    pub iss_required: bool,
}

/// A connection that passed every rule: parsed, filled, normalised.
#[derive(Debug, Clone)]
pub struct ValidConnection {
    /// The catalogue row it was made from.
    pub provider: ProviderKind,
    /// Trimmed, inner spaces folded.
    pub name: String,
    /// Trimmed; may be empty.
    pub description: String,
    /// The grant, allowed by the provider.
    pub grant_type: GrantType,
    /// Trimmed.
    pub client_id: String,
    /// Trimmed; `None` when none was given (kept on file, or a public PKCE client).
    pub client_secret: Option<Secret>,
    /// Placeholders filled, normalised. Empty for client credentials.
    pub authorization_url: String,
    /// Placeholders filled, normalised.
    pub token_url: String,
    /// Split, without repeats, placeholders filled.
    pub scopes: Vec<String>,
    /// The non-blank placeholder values, trimmed.
    pub placeholders: BTreeMap<String, String>,
    /// As asked, or the provider's default.
    pub client_auth_method: ClientAuthMethod,
    /// As given.
    pub save_credentials: bool,
    /// Placeholders filled, normalised; `None` when blank.
    pub api_base_url: Option<String>,
    /// Trimmed, as written (`discovery::issuer`); empty when none.
    pub issuer: String,
    /// Placeholders filled, normalised; empty when none.
    pub revocation_url: String,
    /// As given.
    pub iss_required: bool,
}

/// Longest client id, in characters.
pub const CLIENT_ID_MAX: usize = 512;
/// Longest client secret, in characters.
pub const CLIENT_SECRET_MAX: usize = 4096;
/// Longest single scope, in characters.
pub const SCOPE_MAX_CHARS: usize = 512;
/// Most scopes a connection may ask for.
pub const SCOPES_MAX: usize = 50;

/// Check a whole connection. `secret_on_file` says whether a secret is stored already (edits
/// may leave the secret out); `policy` says which hosts its URLs may name.
pub fn validate(
    input: &ConnectionInput,
    secret_on_file: bool,
    policy: EndpointPolicy,
) -> Result<ValidConnection, FieldError> {
    let kind = ProviderKind::parse(&input.provider)
        .ok_or_else(|| FieldError::new("provider", "unknown_provider", "Choose a provider type."))?;
    let provider = kind.provider();
    let name = validate::name("name", &input.name)?;
    let description = validate::optional_text("description", &input.description, DESCRIPTION_MAX_CHARS)?;
    let grant_type = grant(provider, &input.grant_type)?;
    let client_id = validate::required_text("client_id", &input.client_id, CLIENT_ID_MAX)?;
    let client_secret = secret(input.client_secret.as_ref().map(Secret::expose), grant_type, secret_on_file)?;
    let placeholders = placeholders(&input.placeholders)?;
    let pairs: Vec<(String, String)> = placeholders.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let authorization_url = if grant_type.uses_consent() {
        endpoint("authorization_url", &provider::fill(&input.authorization_url, &pairs), policy)?
    } else {
        String::new()
    };
    let token_url = endpoint("token_url", &provider::fill(&input.token_url, &pairs), policy)?;
    let revocation_url = match provider::fill(&input.revocation_url, &pairs).trim() {
        "" => String::new(),
        url => endpoint("revocation_url", url, policy)?,
    };
    let issuer = match input.issuer.trim() {
        "" => String::new(),
        given => crate::discovery::issuer(given, policy)?,
    };
    let scopes = scopes(&input.scopes, &pairs)?;
    let api_base_url = api_base::validate(&provider::fill(&input.api_base_url, &pairs), policy)?;
    let client_auth_method = match input.client_auth_method.as_deref().filter(|m| !m.is_empty()) {
        None => provider.default_auth_method,
        Some(m) => ClientAuthMethod::parse(m).ok_or_else(|| {
            FieldError::new("client_auth_method", "unknown_method", "Choose client_secret_basic or client_secret_post.")
        })?,
    };
    Ok(ValidConnection {
        provider: kind,
        name,
        description,
        grant_type,
        client_id,
        client_secret,
        authorization_url,
        token_url,
        scopes,
        placeholders,
        client_auth_method,
        save_credentials: input.save_credentials,
        api_base_url,
        issuer,
        revocation_url,
        iss_required: input.iss_required,
    })
}

/// Step by step for the wizard: only the rules of the fields on that step.
pub fn validate_settings(input: &ConnectionInput) -> Result<(), FieldError> {
    ProviderKind::parse(&input.provider)
        .ok_or_else(|| FieldError::new("provider", "unknown_provider", "Choose a provider type."))?;
    validate::name("name", &input.name)?;
    validate::optional_text("description", &input.description, DESCRIPTION_MAX_CHARS)?;
    Ok(())
}

fn grant(provider: &Provider, value: &str) -> Result<GrantType, FieldError> {
    let grant = GrantType::parse(value)
        .ok_or_else(|| FieldError::new("grant_type", "unknown_grant", "Choose a grant type."))?;
    if grant == GrantType::AuthorizationCodePkce && !provider.supports_pkce {
        return Err(FieldError::new(
            "grant_type",
            "pkce_unsupported",
            format!("{} supports Authorization Code without PKCE only.", provider.name),
        ));
    }
    Ok(grant)
}

fn secret(value: Option<&str>, grant: GrantType, on_file: bool) -> Result<Option<Secret>, FieldError> {
    match value.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) if s.chars().count() > CLIENT_SECRET_MAX => {
            Err(FieldError::new("client_secret", "too_long", format!("Use at most {CLIENT_SECRET_MAX} characters.")))
        }
        Some(s) => Ok(Some(Secret::new(s))),
        // A PKCE client may be public (no secret).
        None if on_file || grant == GrantType::AuthorizationCodePkce => Ok(None),
        None => Err(FieldError::new("client_secret", "required", "The client secret is required for this grant type.")),
    }
}

fn placeholders(given: &BTreeMap<String, String>) -> Result<BTreeMap<String, String>, FieldError> {
    let mut out = BTreeMap::new();
    for (key, value) in given {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        // A host fragment: letters, digits, dots and dashes only, so it cannot smuggle a path.
        if !value.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-') {
            return Err(FieldError::new(
                &format!("placeholders.{key}"),
                "invalid_characters",
                "Use letters, digits, dots and dashes only.",
            ));
        }
        out.insert(key.clone(), value.to_string());
    }
    Ok(out)
}

fn endpoint(field: &str, value: &str, policy: EndpointPolicy) -> Result<String, FieldError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(FieldError::new(field, "required", "This URL is required."));
    }
    if let Some(p) = provider::unfilled(value) {
        return Err(FieldError::new(field, "placeholder_unfilled", format!("Fill in {} ({}).", p.label, p.token)));
    }
    endpoint::normalise(value, policy).map_err(|e| e.field_error(field, policy))
}

fn scopes(items: &[String], pairs: &[(String, String)]) -> Result<Vec<String>, FieldError> {
    let scopes: Vec<String> = scope::normalise_list(items).iter().map(|s| provider::fill(s, pairs)).collect();
    if scopes.len() > SCOPES_MAX {
        return Err(FieldError::new("scopes", "too_many", format!("Use at most {SCOPES_MAX} scopes.")));
    }
    if let Some(s) = scopes.iter().find(|s| provider::unfilled(s).is_some()) {
        let p = provider::unfilled(s).map(|p| p.label).unwrap_or_default();
        return Err(FieldError::new("scopes", "placeholder_unfilled", format!("Fill in {p} used by scope {s}.")));
    }
    if scopes
        .iter()
        .any(|s| s.chars().count() > SCOPE_MAX_CHARS || s.chars().any(|c| c.is_control() || c == '"' || c == '\\'))
    {
        return Err(FieldError::new(
            "scopes",
            "invalid_scope",
            "A scope is too long or has characters OAuth does not allow.",
        ));
    }
    Ok(scopes)
}

/// Whether a change touches what a stored token was issued for: then tokens are stale.
pub fn credentials_changed(before: &ValidConnection, after: &ValidConnection) -> bool {
    after.client_secret.is_some()
        || before.client_id != after.client_id
        || before.authorization_url != after.authorization_url
        || before.token_url != after.token_url
        || before.scopes != after.scopes
        || before.grant_type != after.grant_type
        || before.client_auth_method != after.client_auth_method
}

#[cfg(test)]
mod tests {
    use super::*;
    use EndpointPolicy::*;

    fn salesforce() -> ConnectionInput {
        ConnectionInput {
            provider: "salesforce".into(),
            name: "CRM".into(),
            description: "Sales cloud".into(),
            grant_type: "authorization_code_pkce".into(),
            client_id: "3MVG9".into(),
            client_secret: Some("s3cr3t".into()),
            authorization_url: ProviderKind::Salesforce.provider().authorization_url.into(),
            token_url: ProviderKind::Salesforce.provider().token_url.into(),
            scopes: vec!["api, refresh_token offline_access".into()],
            placeholders: BTreeMap::from([("yourinstance".into(), "acme".into())]),
            client_auth_method: None,
            save_credentials: true,
            api_base_url: ProviderKind::Salesforce.provider().api_base_url.into(),
            issuer: String::new(),
            revocation_url: String::new(),
            iss_required: false,
        }
    }

    #[test]
    fn salesforce_with_its_instance_is_valid_and_filled() {
        let valid = validate(&salesforce(), false, PublicOnly).unwrap();
        assert_eq!(valid.authorization_url, "https://acme.my.salesforce.com/services/oauth2/authorize");
        assert_eq!(valid.token_url, "https://acme.my.salesforce.com/services/oauth2/token");
        assert_eq!(valid.scopes, vec!["api", "refresh_token", "offline_access"]);
        assert_eq!(valid.client_auth_method, ClientAuthMethod::ClientSecretPost);
        assert_eq!(valid.client_secret.as_ref().map(Secret::expose), Some("s3cr3t"));
    }

    #[test]
    fn an_unfilled_placeholder_points_at_its_url() {
        let mut input = salesforce();
        input.placeholders.clear();
        let error = validate(&input, false, PublicOnly).unwrap_err();
        assert_eq!((error.field.as_str(), error.code.as_str()), ("authorization_url", "placeholder_unfilled"));
        assert!(error.message.contains("Instance name"));
    }

    #[test]
    fn placeholder_values_cannot_inject_a_path() {
        let mut input = salesforce();
        input.placeholders.insert("yourinstance".into(), "evil.com/x?".into());
        assert_eq!(validate(&input, false, PublicOnly).unwrap_err().field, "placeholders.yourinstance");
    }

    #[test]
    fn the_api_base_url_is_filled_and_checked_like_the_other_endpoints() {
        let valid = validate(&salesforce(), false, PublicOnly).unwrap();
        assert_eq!(valid.api_base_url.as_deref(), Some("{instance_url}/services"));
        let mut input = salesforce();
        input.provider = "servicenow".into();
        input.grant_type = "authorization_code".into();
        input.api_base_url = ProviderKind::Servicenow.provider().api_base_url.into();
        let valid = validate(&input, false, PublicOnly).unwrap();
        assert_eq!(valid.api_base_url.as_deref(), Some("https://acme.service-now.com/api"));
        input.api_base_url = "https://169.254.169.254/latest".into();
        let error = validate(&input, false, PublicOnly).unwrap_err();
        assert_eq!((error.field.as_str(), error.code.as_str()), ("api_base_url", "not_public_url"));
        input.api_base_url = " ".into();
        assert_eq!(validate(&input, false, PublicOnly).unwrap().api_base_url, None);
    }

    #[test]
    fn sharepoint_scope_placeholder_is_filled() {
        let p = ProviderKind::Sharepoint.provider();
        let input = ConnectionInput {
            provider: "sharepoint".into(),
            name: "Docs".into(),
            grant_type: "authorization_code".into(),
            client_id: "app".into(),
            client_secret: Some("x".into()),
            authorization_url: p.authorization_url.into(),
            token_url: p.token_url.into(),
            scopes: p.default_scopes.iter().map(|s| s.to_string()).collect(),
            placeholders: BTreeMap::from([
                ("tenant-id".into(), "contoso".into()),
                ("domain-name".into(), "contoso.sharepoint.com".into()),
            ]),
            ..Default::default()
        };
        let valid = validate(&input, false, PublicOnly).unwrap();
        assert_eq!(valid.scopes[0], "https://contoso.sharepoint.com/AllSites.Manage");
        let mut missing = input.clone();
        missing.placeholders.remove("domain-name");
        assert_eq!(validate(&missing, false, PublicOnly).unwrap_err().field, "scopes");
    }

    #[test]
    fn google_refuses_pkce() {
        let p = ProviderKind::GoogleDrive.provider();
        let mut input = ConnectionInput {
            provider: "google_drive".into(),
            name: "Drive".into(),
            grant_type: "authorization_code_pkce".into(),
            client_id: "id".into(),
            client_secret: Some("x".into()),
            authorization_url: p.authorization_url.into(),
            token_url: p.token_url.into(),
            ..Default::default()
        };
        let error = validate(&input, false, PublicOnly).unwrap_err();
        assert_eq!((error.field.as_str(), error.code.as_str()), ("grant_type", "pkce_unsupported"));
        input.grant_type = "authorization_code".into();
        assert!(validate(&input, false, PublicOnly).is_ok());
    }

    #[test]
    fn urls_must_be_https_and_public() {
        let mut input = salesforce();
        input.provider = "custom".into();
        input.token_url = "http://idp.example.com/token".into();
        assert_eq!(validate(&input, false, PublicOnly).unwrap_err().code, "insecure_url");
        input.token_url = "https://169.254.169.254/latest/meta-data/".into();
        let error = validate(&input, false, PublicOnly).unwrap_err();
        assert_eq!((error.field.as_str(), error.code.as_str()), ("token_url", "not_public_url"));
        input.token_url = "not a url".into();
        assert_eq!(validate(&input, false, PublicOnly).unwrap_err().code, "invalid_url");
        input.token_url = "https://idp.example.com/token#x".into();
        assert_eq!(validate(&input, false, PublicOnly).unwrap_err().code, "invalid_url");
        input.token_url = "https://user:pw@idp.example.com/token".into();
        assert_eq!(validate(&input, false, PublicOnly).unwrap_err().code, "invalid_url");
        input.token_url = String::new();
        assert_eq!(
            validate(&input, false, PublicOnly).unwrap_err(),
            FieldError::new("token_url", "required", "This URL is required.")
        );
    }

    #[test]
    fn loopback_over_http_only_with_the_dev_opt_in() {
        let mut input = salesforce();
        input.provider = "custom".into();
        input.token_url = "http://127.0.0.1:9000/token".into();
        input.authorization_url = "http://localhost:9000/auth".into();
        assert!(validate(&input, false, AllowPrivate).is_ok());
        let error = validate(&input, false, PublicOnly).unwrap_err();
        assert_eq!((error.field.as_str(), error.code.as_str()), ("authorization_url", "not_public_url"));
        input.token_url = "http://10.0.0.5/token".into();
        assert_eq!(validate(&input, false, AllowPrivate).unwrap_err().code, "insecure_url");
    }

    #[test]
    fn revocation_url_and_issuer_are_optional_and_follow_the_url_rule() {
        let mut input = salesforce();
        input.revocation_url = ProviderKind::Salesforce.provider().revocation_url.into();
        input.issuer = "https://acme.my.salesforce.com ".into();
        let valid = validate(&input, false, PublicOnly).unwrap();
        assert_eq!(valid.revocation_url, "https://acme.my.salesforce.com/services/oauth2/revoke");
        assert_eq!(valid.issuer, "https://acme.my.salesforce.com");
        input.revocation_url = "https://10.0.0.1/revoke".into();
        let error = validate(&input, false, PublicOnly).unwrap_err();
        assert_eq!((error.field.as_str(), error.code.as_str()), ("revocation_url", "not_public_url"));
        input.revocation_url = String::new();
        input.issuer = "http://acme.example.com".into();
        assert_eq!(validate(&input, false, PublicOnly).unwrap_err().field, "issuer");
        input.issuer = String::new();
        let valid = validate(&input, false, PublicOnly).unwrap();
        assert_eq!((valid.revocation_url.as_str(), valid.issuer.as_str()), ("", ""));
    }

    #[test]
    fn client_credentials_ignore_the_authorization_url() {
        let input = ConnectionInput {
            provider: "custom".into(),
            name: "Machine".into(),
            grant_type: "client_credentials".into(),
            client_id: "m".into(),
            client_secret: Some("x".into()),
            authorization_url: "garbage".into(),
            token_url: "https://idp.example.com/token".into(),
            ..Default::default()
        };
        assert_eq!(validate(&input, false, PublicOnly).unwrap().authorization_url, "");
    }

    #[test]
    fn secrets_are_required_unless_pkce_or_on_file() {
        let mut input = salesforce();
        input.client_secret = None;
        assert!(validate(&input, false, PublicOnly).is_ok(), "PKCE may be a public client");
        input.grant_type = "authorization_code".into();
        assert_eq!(validate(&input, false, PublicOnly).unwrap_err().field, "client_secret");
        assert!(validate(&input, true, PublicOnly).is_ok(), "an edit keeps the stored secret");
        input.client_secret = Some("   ".into());
        assert_eq!(validate(&input, false, PublicOnly).unwrap_err().field, "client_secret");
        input.client_secret = Some(Secret::new("x".repeat(CLIENT_SECRET_MAX + 1)));
        assert_eq!(validate(&input, false, PublicOnly).unwrap_err().code, "too_long");
    }

    #[test]
    fn other_fields_are_checked_by_name() {
        type Breakage = fn(&mut ConnectionInput);
        let cases: [(Breakage, &str); 6] = [
            (|i| i.provider = "dropbox".into(), "provider"),
            (|i| i.name = " ".into(), "name"),
            (|i| i.grant_type = "implicit".into(), "grant_type"),
            (|i| i.client_id = "".into(), "client_id"),
            (|i| i.client_auth_method = Some("private_key_jwt".into()), "client_auth_method"),
            (|i| i.scopes = vec!["a\"b".into()], "scopes"),
        ];
        for (break_it, field) in cases {
            let mut input = salesforce();
            break_it(&mut input);
            assert_eq!(validate(&input, false, PublicOnly).unwrap_err().field, field);
        }
        let mut many = salesforce();
        many.scopes = (0..=SCOPES_MAX).map(|i| format!("s{i}")).collect();
        assert_eq!(validate(&many, false, PublicOnly).unwrap_err().code, "too_many");
    }

    #[test]
    fn status_machine() {
        use ConnectionStatus::*;
        use StatusEvent::*;
        assert_eq!(next_status(Draft, Authorized), Ready);
        assert_eq!(next_status(Ready, RefreshRejected), NeedsReauth);
        assert_eq!(next_status(NeedsReauth, Authorized), Ready);
        assert_eq!(next_status(Ready, CredentialsChanged), Draft);
        assert_eq!(next_status(NeedsReauth, CredentialsChanged), Draft);
        assert_eq!(next_status(Draft, RefreshRejected), Draft);
    }

    #[test]
    fn status_machine_decides_every_pair() {
        use ConnectionStatus::*;
        use StatusEvent::*;
        // Every (status, event) pair, so a new status or event must be placed here on purpose.
        let table = [
            (Draft, Authorized, Ready),
            (Ready, Authorized, Ready),
            (NeedsReauth, Authorized, Ready),
            (Draft, RefreshRejected, Draft),
            (Ready, RefreshRejected, NeedsReauth),
            (NeedsReauth, RefreshRejected, NeedsReauth),
            (Draft, CredentialsChanged, Draft),
            (Ready, CredentialsChanged, Draft),
            (NeedsReauth, CredentialsChanged, Draft),
        ];
        assert_eq!(table.len(), ConnectionStatus::ALL.len() * 3);
        for (from, event, to) in table {
            assert_eq!(next_status(from, event), to, "{from} on {event:?}");
        }
        // Stored names are D1 values: never renamed.
        assert_eq!(ConnectionStatus::ALL.map(ConnectionStatus::as_str), ["draft", "ready", "needs_reauth"]);
        assert_eq!(ConnectionStatus::parse("archived"), None);
    }

    #[test]
    fn credential_changes_are_detected() {
        let before = validate(&salesforce(), false, PublicOnly).unwrap();
        let mut same = before.clone();
        same.client_secret = None;
        same.description = "other words".into();
        same.name = "Renamed".into();
        assert!(!credentials_changed(&before, &same));
        let mut scoped = same.clone();
        scoped.scopes.push("id".into());
        assert!(credentials_changed(&before, &scoped));
        let mut new_secret = same.clone();
        new_secret.client_secret = Some("rotated".into());
        assert!(credentials_changed(&before, &new_secret));
    }

    #[test]
    fn wire_names() {
        for g in GrantType::ALL {
            assert_eq!(serde_json::to_string(&g).unwrap(), format!("\"{}\"", g.as_str()));
            assert_eq!(GrantType::parse(g.as_str()), Some(g));
        }
        assert_eq!(ConnectionStatus::parse("needs_reauth"), Some(ConnectionStatus::NeedsReauth));
        assert_eq!(ClientAuthMethod::parse("client_secret_post"), Some(ClientAuthMethod::ClientSecretPost));
    }
}
