//! Discovery auto-fill (OpenID Connect Discovery 1.0, RFC 8414): where an issuer publishes its
//! metadata, what the product takes from it, and what a second discovery would change on a
//! connection. The worker fetches (`edge/src/routes/discovery.rs`); every decision is here, so
//! the wizard shows exactly what the worker would fill.

use serde::{Deserialize, Serialize};

use crate::connection::{ClientAuthMethod, ConnectionInput, GrantType};
use crate::endpoint::{self, EndpointPolicy};
use crate::validate::FieldError;

/// The largest metadata document read, in bytes: real ones are a few KiB.
pub const DOCUMENT_MAX_BYTES: usize = 64 * 1024;

/// `POST /api/v1/discovery`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DiscoveryRequest {
    /// The issuer identifier: an https URL without query or fragment (`https://login.example.com`).
    pub issuer: String,
}

crate::text_enum! {
    /// Why a discovery gave nothing: the `reason` of the error answer (stable names).
    pub enum DiscoveryFailure {
        /// The issuer or an endpoint the document names breaks the outbound URL rule.
        RefusedAddress = "refused_address",
        /// Neither document could be fetched: a network error or a timeout.
        NotReachable = "not_reachable",
        /// Both well-known locations answered, but neither with HTTP 200.
        NoMetadata = "no_metadata",
        /// The answer is not a JSON metadata document.
        NotJson = "not_json",
        /// The document names another issuer than the one asked for.
        IssuerMismatch = "issuer_mismatch",
        /// The document names no token endpoint.
        Incomplete = "incomplete",
        /// The document is larger than `DOCUMENT_MAX_BYTES`.
        TooLarge = "too_large",
    }
}

impl DiscoveryFailure {
    /// Words for the person in the wizard.
    pub fn message(self) -> &'static str {
        match self {
            DiscoveryFailure::RefusedAddress => "This address is not one the product may call.",
            DiscoveryFailure::NotReachable => "The issuer could not be reached; check the URL or try again later.",
            DiscoveryFailure::NoMetadata => "The issuer publishes no OpenID or OAuth metadata at this URL.",
            DiscoveryFailure::NotJson => "The issuer's metadata is not a JSON document.",
            DiscoveryFailure::IssuerMismatch => "The metadata names another issuer than this URL.",
            DiscoveryFailure::Incomplete => "The metadata names no token endpoint.",
            DiscoveryFailure::TooLarge => "The issuer's metadata is larger than any real one: it was not read.",
        }
    }
}

/// The metadata fields the product reads (the rest of the document is ignored).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Metadata {
    /// `issuer`: must be the one asked for.
    pub issuer: String,
    /// `authorization_endpoint`.
    #[serde(default)]
    pub authorization_endpoint: Option<String>,
    /// `token_endpoint`.
    #[serde(default)]
    pub token_endpoint: Option<String>,
    /// `revocation_endpoint` (RFC 7009).
    #[serde(default)]
    pub revocation_endpoint: Option<String>,
    /// `grant_types_supported`; absent means `authorization_code` and `implicit` (RFC 8414 §2).
    #[serde(default)]
    pub grant_types_supported: Option<Vec<String>>,
    /// `code_challenge_methods_supported` (RFC 7636); absent means no PKCE is announced.
    #[serde(default)]
    pub code_challenge_methods_supported: Option<Vec<String>>,
    /// `token_endpoint_auth_methods_supported`; absent means `client_secret_basic`.
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Option<Vec<String>>,
    /// `authorization_response_iss_parameter_supported` (RFC 9207).
    #[serde(default)]
    pub authorization_response_iss_parameter_supported: bool,
}

/// What discovery fills: the answer of `POST /api/v1/discovery`. Nothing is stored until the
/// connection is saved.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discovered {
    /// The issuer as the document names it (equal to the one asked for).
    pub issuer: String,
    /// The authorize endpoint; empty when the document names none.
    pub authorization_url: String,
    /// The token endpoint.
    pub token_url: String,
    /// The revocation endpoint (RFC 7009); empty when the document names none.
    pub revocation_url: String,
    /// The grants of the product the provider supports, in the product's order.
    pub grant_types: Vec<GrantType>,
    /// Whether `S256` PKCE is announced: then PKCE is offered and preselected.
    pub pkce_s256: bool,
    /// The grant the wizard preselects.
    pub suggested_grant_type: Option<GrantType>,
    /// The client authentication the wizard preselects, when the provider names one we speak.
    pub client_auth_method: Option<ClientAuthMethod>,
    /// The provider sends `iss` with every authorization response (RFC 9207): an answer without
    /// it is refused.
    pub iss_required: bool,
    /// The document that answered.
    pub source: String,
}

/// Check an issuer identifier (a field of the wizard and of `POST /discovery`): an URL the
/// product may call, without query or fragment. Returned trimmed, otherwise as written: the
/// `iss` a provider sends is compared with it.
pub fn issuer(raw: &str, policy: EndpointPolicy) -> Result<String, FieldError> {
    let value = raw.trim();
    endpoint::normalise(value, policy).map_err(|e| e.field_error("issuer", policy))?;
    if value.contains('?') {
        return Err(FieldError::new("issuer", "invalid_url", "An issuer has no query part."));
    }
    Ok(value.to_string())
}

/// The issuer asked of `POST /api/v1/discovery`: as `issuer`, and an address the outbound rule
/// refuses (plain http, a private or internal host) has the reason `refused_address`.
pub fn asked_issuer(raw: &str, policy: EndpointPolicy) -> Result<String, FieldError> {
    issuer(raw, policy).map_err(|mut e| {
        if e.code == "not_public_url" || e.code == "insecure_url" {
            e.code = DiscoveryFailure::RefusedAddress.as_str().to_string();
        }
        e
    })
}

/// Where to look, in order: OpenID Connect's `{issuer}/.well-known/openid-configuration`, then
/// RFC 8414's `/.well-known/oauth-authorization-server` inserted before the issuer's path.
pub fn locations(issuer: &str) -> [String; 2] {
    let base = issuer.trim_end_matches('/');
    let oidc = format!("{base}/.well-known/openid-configuration");
    let (origin, path) = match base.split_once("://") {
        Some((scheme, rest)) => match rest.find('/') {
            Some(slash) => (format!("{scheme}://{}", &rest[..slash]), &rest[slash..]),
            None => (base.to_string(), ""),
        },
        None => (base.to_string(), ""),
    };
    [oidc, format!("{origin}/.well-known/oauth-authorization-server{path}")]
}

/// Whether a document's issuer is the one asked for (a trailing slash aside).
pub fn same_issuer(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

/// Judge a fetched metadata document against the issuer asked for (already checked with
/// `issuer`): the fields it fills, or why it fills nothing.
pub fn decide(
    asked: &str,
    metadata: Metadata,
    source: &str,
    policy: EndpointPolicy,
) -> Result<Discovered, DiscoveryFailure> {
    if !same_issuer(&metadata.issuer, asked) {
        return Err(DiscoveryFailure::IssuerMismatch);
    }
    let url = |value: Option<String>| -> Result<String, DiscoveryFailure> {
        match value.map(|v| v.trim().to_string()).filter(|v| !v.is_empty()) {
            None => Ok(String::new()),
            Some(v) => endpoint::normalise(&v, policy).map_err(|_| DiscoveryFailure::RefusedAddress),
        }
    };
    let token_url = url(metadata.token_endpoint)?;
    if token_url.is_empty() {
        return Err(DiscoveryFailure::Incomplete);
    }
    let authorization_url = url(metadata.authorization_endpoint)?;
    let revocation_url = url(metadata.revocation_endpoint)?;
    let pkce_s256 = metadata.code_challenge_methods_supported.as_ref().is_some_and(|m| m.iter().any(|m| m == "S256"));
    let grants = metadata.grant_types_supported.unwrap_or_else(|| vec!["authorization_code".into(), "implicit".into()]);
    let code = grants.iter().any(|g| g == "authorization_code") && !authorization_url.is_empty();
    let mut grant_types = Vec::new();
    if code {
        grant_types.push(GrantType::AuthorizationCode);
        if pkce_s256 {
            grant_types.push(GrantType::AuthorizationCodePkce);
        }
    }
    if grants.iter().any(|g| g == "client_credentials") {
        grant_types.push(GrantType::ClientCredentials);
    }
    let suggested_grant_type =
        if code && pkce_s256 { Some(GrantType::AuthorizationCodePkce) } else { grant_types.first().copied() };
    let methods = metadata.token_endpoint_auth_methods_supported.unwrap_or_else(|| vec!["client_secret_basic".into()]);
    let client_auth_method = [ClientAuthMethod::ClientSecretBasic, ClientAuthMethod::ClientSecretPost]
        .into_iter()
        .find(|m| methods.iter().any(|s| s == m.as_str()));
    Ok(Discovered {
        issuer: metadata.issuer,
        authorization_url,
        token_url,
        revocation_url,
        grant_types,
        pkce_s256,
        suggested_grant_type,
        client_auth_method,
        iss_required: metadata.authorization_response_iss_parameter_supported,
        source: source.to_string(),
    })
}

/// One field a discovery would change on a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The `ConnectionInput` field's wire name.
    pub field: &'static str,
    /// What the connection has now.
    pub before: String,
    /// What discovery found.
    pub after: String,
}

/// What applying `found` to a stored connection's `input` would change ("Discover again" shows
/// it before applying); its grant and client authentication are kept where still supported.
pub fn changes(input: &ConnectionInput, found: &Discovered) -> Vec<Change> {
    let mut applied = input.clone();
    apply(&mut applied, found, true);
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_string();
    let pairs: [(&'static str, String, String); 7] = [
        ("issuer", input.issuer.clone(), applied.issuer.clone()),
        ("authorization_url", input.authorization_url.clone(), applied.authorization_url.clone()),
        ("token_url", input.token_url.clone(), applied.token_url.clone()),
        ("revocation_url", input.revocation_url.clone(), applied.revocation_url.clone()),
        ("grant_type", input.grant_type.clone(), applied.grant_type.clone()),
        (
            "client_auth_method",
            input.client_auth_method.clone().unwrap_or_default(),
            applied.client_auth_method.clone().unwrap_or_default(),
        ),
        ("iss_required", yes_no(input.iss_required), yes_no(applied.iss_required)),
    ];
    pairs
        .into_iter()
        .filter(|(_, before, after)| before != after)
        .map(|(field, before, after)| Change { field, before, after })
        .collect()
}

/// Fill `input` with what discovery found. A new connection takes the suggested grant (PKCE
/// when `S256` is announced) and client authentication; an existing one (`keep_choices`) keeps
/// those the provider still supports.
pub fn apply(input: &mut ConnectionInput, found: &Discovered, keep_choices: bool) {
    input.issuer = found.issuer.clone();
    if !found.authorization_url.is_empty() {
        input.authorization_url = found.authorization_url.clone();
    }
    input.token_url = found.token_url.clone();
    input.revocation_url = found.revocation_url.clone();
    input.iss_required = found.iss_required;
    let current = GrantType::parse(&input.grant_type);
    if !(keep_choices && current.is_some_and(|g| found.grant_types.contains(&g)))
        && let Some(suggested) = found.suggested_grant_type
    {
        input.grant_type = suggested.as_str().to_string();
    }
    if let Some(method) = found.client_auth_method {
        let kept = input.client_auth_method.as_deref().and_then(ClientAuthMethod::parse);
        if !keep_choices || kept.is_none() {
            input.client_auth_method = Some(method.as_str().to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use EndpointPolicy::*;

    const ISSUER: &str = "https://login.example.com";

    fn metadata() -> Metadata {
        Metadata {
            issuer: ISSUER.into(),
            authorization_endpoint: Some("https://login.example.com/authorize".into()),
            token_endpoint: Some("https://login.example.com/token".into()),
            revocation_endpoint: Some("https://login.example.com/revoke".into()),
            grant_types_supported: Some(vec!["authorization_code".into(), "refresh_token".into()]),
            code_challenge_methods_supported: Some(vec!["plain".into(), "S256".into()]),
            token_endpoint_auth_methods_supported: Some(vec!["client_secret_post".into()]),
            authorization_response_iss_parameter_supported: true,
        }
    }

    #[test]
    fn locations_follow_oidc_then_rfc_8414() {
        assert_eq!(
            locations("https://login.example.com/"),
            [
                "https://login.example.com/.well-known/openid-configuration".to_string(),
                "https://login.example.com/.well-known/oauth-authorization-server".to_string(),
            ]
        );
        assert_eq!(
            locations("https://idp.example.com/tenant/v2"),
            [
                "https://idp.example.com/tenant/v2/.well-known/openid-configuration".to_string(),
                "https://idp.example.com/.well-known/oauth-authorization-server/tenant/v2".to_string(),
            ]
        );
    }

    #[test]
    fn a_full_document_fills_everything_and_preselects_pkce() {
        let found = decide(ISSUER, metadata(), "src", PublicOnly).unwrap();
        assert_eq!(found.authorization_url, "https://login.example.com/authorize");
        assert_eq!(found.token_url, "https://login.example.com/token");
        assert_eq!(found.revocation_url, "https://login.example.com/revoke");
        assert_eq!(found.grant_types, vec![GrantType::AuthorizationCode, GrantType::AuthorizationCodePkce]);
        assert!(found.pkce_s256);
        assert_eq!(found.suggested_grant_type, Some(GrantType::AuthorizationCodePkce));
        assert_eq!(found.client_auth_method, Some(ClientAuthMethod::ClientSecretPost));
        assert!(found.iss_required);
    }

    #[test]
    fn without_s256_pkce_is_not_offered() {
        let mut plain = metadata();
        plain.code_challenge_methods_supported = Some(vec!["plain".into()]);
        let found = decide(ISSUER, plain, "src", PublicOnly).unwrap();
        assert!(!found.pkce_s256);
        assert_eq!(found.suggested_grant_type, Some(GrantType::AuthorizationCode));
        let mut absent = metadata();
        absent.code_challenge_methods_supported = None;
        absent.token_endpoint_auth_methods_supported = None;
        absent.grant_types_supported = None;
        absent.authorization_response_iss_parameter_supported = false;
        let found = decide(ISSUER, absent, "src", PublicOnly).unwrap();
        assert_eq!(found.grant_types, vec![GrantType::AuthorizationCode]);
        assert_eq!(found.client_auth_method, Some(ClientAuthMethod::ClientSecretBasic), "RFC 8414 default");
        assert!(!found.iss_required);
    }

    #[test]
    fn machine_only_providers_suggest_client_credentials() {
        let mut machine = metadata();
        machine.authorization_endpoint = None;
        machine.grant_types_supported = Some(vec!["client_credentials".into()]);
        machine.token_endpoint_auth_methods_supported = Some(vec!["private_key_jwt".into()]);
        let found = decide(ISSUER, machine, "src", PublicOnly).unwrap();
        assert_eq!(found.grant_types, vec![GrantType::ClientCredentials]);
        assert_eq!(found.suggested_grant_type, Some(GrantType::ClientCredentials));
        assert_eq!(found.client_auth_method, None);
    }

    #[test]
    fn another_issuer_a_refused_endpoint_or_no_token_endpoint_fill_nothing() {
        let mut other = metadata();
        other.issuer = "https://evil.example.com".into();
        assert_eq!(decide(ISSUER, other, "src", PublicOnly), Err(DiscoveryFailure::IssuerMismatch));
        assert!(decide("https://login.example.com/", metadata(), "src", PublicOnly).is_ok(), "trailing slash");
        let mut inside = metadata();
        inside.revocation_endpoint = Some("https://169.254.169.254/revoke".into());
        assert_eq!(decide(ISSUER, inside, "src", PublicOnly), Err(DiscoveryFailure::RefusedAddress));
        let mut plain_http = metadata();
        plain_http.token_endpoint = Some("http://login.example.com/token".into());
        assert_eq!(decide(ISSUER, plain_http, "src", PublicOnly), Err(DiscoveryFailure::RefusedAddress));
        let mut none = metadata();
        none.token_endpoint = None;
        assert_eq!(decide(ISSUER, none, "src", PublicOnly), Err(DiscoveryFailure::Incomplete));
    }

    #[test]
    fn issuers_follow_the_outbound_rule_and_have_no_query() {
        assert_eq!(issuer(" https://login.example.com ", PublicOnly).unwrap(), "https://login.example.com");
        assert_eq!(issuer("http://127.0.0.1:9000", PublicOnly).unwrap_err().code, "not_public_url");
        assert!(issuer("http://127.0.0.1:9000", AllowPrivate).is_ok());
        assert_eq!(issuer("https://login.example.com/?x=1", PublicOnly).unwrap_err().code, "invalid_url");
        assert_eq!(issuer("https://login.example.com/#x", PublicOnly).unwrap_err().field, "issuer");
        for refused in ["http://login.example.com", "https://10.1.2.3", "https://metadata.google.internal"] {
            assert_eq!(asked_issuer(refused, PublicOnly).unwrap_err().code, "refused_address", "{refused}");
        }
        assert_eq!(asked_issuer("not a url", PublicOnly).unwrap_err().code, "invalid_url");
    }

    #[test]
    fn discover_again_lists_what_changes_and_keeps_a_supported_grant() {
        let found = decide(ISSUER, metadata(), "src", PublicOnly).unwrap();
        let mut input = ConnectionInput {
            provider: "custom".into(),
            grant_type: "authorization_code".into(),
            authorization_url: "https://login.example.com/authorize".into(),
            token_url: "https://old.example.com/token".into(),
            client_auth_method: Some("client_secret_basic".into()),
            ..Default::default()
        };
        let fields: Vec<&str> = changes(&input, &found).iter().map(|c| c.field).collect();
        assert_eq!(fields, vec!["issuer", "token_url", "revocation_url", "iss_required"]);
        apply(&mut input, &found, true);
        assert_eq!(input.grant_type, "authorization_code", "a supported grant is kept");
        assert_eq!(input.client_auth_method.as_deref(), Some("client_secret_basic"), "a chosen method is kept");
        assert!(changes(&input, &found).is_empty());
        let mut fresh = ConnectionInput {
            grant_type: "authorization_code".into(),
            client_auth_method: Some("client_secret_basic".into()),
            ..Default::default()
        };
        apply(&mut fresh, &found, false);
        assert_eq!(fresh.grant_type, "authorization_code_pkce");
        assert_eq!(fresh.client_auth_method.as_deref(), Some("client_secret_post"));
    }

    #[test]
    fn failure_names_are_stable() {
        let names: Vec<&str> = DiscoveryFailure::ALL.iter().map(|f| f.as_str()).collect();
        assert_eq!(
            names,
            [
                "refused_address",
                "not_reachable",
                "no_metadata",
                "not_json",
                "issuer_mismatch",
                "incomplete",
                "too_large"
            ]
        );
    }
}
