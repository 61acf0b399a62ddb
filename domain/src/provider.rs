//! The provider catalogue, as data: URL formats with placeholders the wizard asks for, default
//! scopes, PKCE support, extra authorize parameters and the default client authentication
//! method. Response quirks need no flag: the vault keeps whatever a token response leaves out
//! (a refresh token Google omits, the `instance_url` Salesforce sends at consent only) for every
//! provider alike.

use serde::Serialize;

use crate::connection::ClientAuthMethod;

/// Placeholders that may appear in URL formats and default scopes.
pub const PLACEHOLDERS: [Placeholder; 4] = [
    Placeholder { token: "<yourinstance>", key: "yourinstance", label: "Instance name", example: "acme" },
    Placeholder { token: "<tenant-id>", key: "tenant-id", label: "Tenant ID", example: "contoso.onmicrosoft.com" },
    Placeholder { token: "<domain-name>", key: "domain-name", label: "Domain name", example: "contoso.sharepoint.com" },
    // Genesys Cloud names its regions by domain: `mypurecloud.com` (US East), `mypurecloud.de`,
    // `usw2.pure.cloud`, `euw2.pure.cloud`, …; the login host is `login.` + that domain.
    Placeholder {
        token: "<region-domain>",
        key: "region-domain",
        label: "Region domain",
        example: "mypurecloud.com or usw2.pure.cloud",
    },
];

/// A part of a provider's URLs that differs per customer (an instance, a tenant, a domain).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Placeholder {
    /// As written in a format: `<yourinstance>`.
    pub token: &'static str,
    /// The key in a connection's `placeholders` map.
    pub key: &'static str,
    /// What the wizard calls the field.
    pub label: &'static str,
    /// A sample value the wizard shows.
    pub example: &'static str,
}

crate::text_enum! {
    /// Which catalogue row a connection was made from (`CATALOGUE`).
    pub enum ProviderKind {
        /// Apigee, through Google's OAuth endpoints.
        Apigee = "apigee",
        /// Genesys Cloud, on the login host of the customer's `<region-domain>`.
        Genesys = "genesys",
        /// Salesforce, on the customer's `<yourinstance>`.my.salesforce.com.
        Salesforce = "salesforce",
        /// ServiceNow, on the customer's `<yourinstance>`.service-now.com.
        Servicenow = "servicenow",
        /// SharePoint Online, through Microsoft Entra on the customer's `<tenant-id>`.
        Sharepoint = "sharepoint",
        /// Microsoft Entra ID, on the customer's `<tenant-id>`.
        MicrosoftEntra = "microsoft_entra",
        /// Google Calendar.
        GoogleCalendar = "google_calendar",
        /// Google Drive.
        GoogleDrive = "google_drive",
        /// Google Sheets.
        GoogleSheets = "google_sheets",
        /// Any OAuth 2.0 provider: the person types its URLs.
        Custom = "custom",
    }
}

/// One catalogue row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Provider {
    /// The row's key.
    pub kind: ProviderKind,
    /// The provider's name as people know it.
    pub name: &'static str,
    /// One line saying what it connects to, for the wizard's provider picker.
    pub description: &'static str,
    /// The authorize endpoint's format, with placeholders. Empty for Custom: the person types any URL.
    pub authorization_url: &'static str,
    /// The token endpoint's format, with placeholders; empty for Custom.
    pub token_url: &'static str,
    /// The revocation endpoint's format (RFC 7009), with placeholders; empty where the provider
    /// has none (or none we could confirm from its documentation).
    pub revocation_url: &'static str,
    /// Scopes the wizard proposes, placeholders allowed.
    pub default_scopes: &'static [&'static str],
    /// Whether a connection to it may use `authorization_code_pkce` (the wizard and validation ask).
    pub supports_pkce: bool,
    /// Appended to the authorize URL when missing (`access_type=offline&prompt=consent`).
    pub extra_authorize_params: &'static [(&'static str, &'static str)],
    /// The client authentication used when a connection names none.
    pub default_auth_method: ClientAuthMethod,
    /// Where the token-free proxy sends calls (`api_base.rs`), placeholders allowed, and
    /// `{instance_url}` for the token response's own (Salesforce); empty for Custom.
    pub api_base_url: &'static str,
}

const GOOGLE_AUTH: &str = "https://accounts.google.com/o/oauth2/v2/auth";
const GOOGLE_TOKEN: &str = "https://oauth2.googleapis.com/token";
/// developers.google.com/identity/protocols/oauth2/web-server, "Revoking a token".
const GOOGLE_REVOKE: &str = "https://oauth2.googleapis.com/revoke";
const GOOGLE_OFFLINE: &[(&str, &str)] = &[("access_type", "offline"), ("prompt", "consent")];
const MICROSOFT_AUTH: &str = "https://login.microsoftonline.com/<tenant-id>/oauth2/v2.0/authorize";
const MICROSOFT_TOKEN: &str = "https://login.microsoftonline.com/<tenant-id>/oauth2/v2.0/token";

const fn google(
    kind: ProviderKind,
    name: &'static str,
    description: &'static str,
    scopes: &'static [&'static str],
    api_base_url: &'static str,
) -> Provider {
    Provider {
        kind,
        name,
        description,
        authorization_url: GOOGLE_AUTH,
        token_url: GOOGLE_TOKEN,
        revocation_url: GOOGLE_REVOKE,
        default_scopes: scopes,
        supports_pkce: false,
        extra_authorize_params: GOOGLE_OFFLINE,
        default_auth_method: ClientAuthMethod::ClientSecretPost,
        api_base_url,
    }
}

const fn standard(
    kind: ProviderKind,
    name: &'static str,
    description: &'static str,
    auth: &'static str,
    token: &'static str,
) -> Provider {
    Provider {
        kind,
        name,
        description,
        authorization_url: auth,
        token_url: token,
        revocation_url: "",
        default_scopes: &[],
        supports_pkce: true,
        extra_authorize_params: &[],
        default_auth_method: ClientAuthMethod::ClientSecretBasic,
        api_base_url: "",
    }
}

/// Every provider the wizard offers, one row per `ProviderKind`, Custom last. Each URL format is
/// the one its provider documents (`documented_urls` in the tests names the source of each).
pub const CATALOGUE: [Provider; 10] = [
    Provider {
        default_scopes: &["https://www.googleapis.com/auth/cloud-platform"],
        ..google(
            ProviderKind::Apigee,
            "Apigee",
            "Google Cloud's API management, with a Google account.",
            &[],
            "https://apigee.googleapis.com/v1",
        )
    },
    Provider {
        api_base_url: "https://api.<region-domain>/api/v2",
        ..standard(
            ProviderKind::Genesys,
            "Genesys Cloud",
            "Contact-center platform; the login host of your organisation's region.",
            "https://login.<region-domain>/oauth/authorize",
            "https://login.<region-domain>/oauth/token",
        )
    },
    Provider {
        default_scopes: &["api", "refresh_token", "offline_access"],
        default_auth_method: ClientAuthMethod::ClientSecretPost,
        api_base_url: "{instance_url}/services",
        // developer.salesforce.com, "Revoking OAuth Tokens": POST to /services/oauth2/revoke on My Domain.
        // (ServiceNow's oauth_revoke_token.do takes the token in the query, not RFC 7009: left out.)
        revocation_url: "https://<yourinstance>.my.salesforce.com/services/oauth2/revoke",
        ..standard(
            ProviderKind::Salesforce,
            "Salesforce",
            "CRM; your org's My Domain (instance).my.salesforce.com.",
            "https://<yourinstance>.my.salesforce.com/services/oauth2/authorize",
            "https://<yourinstance>.my.salesforce.com/services/oauth2/token",
        )
    },
    Provider {
        default_auth_method: ClientAuthMethod::ClientSecretPost,
        api_base_url: "https://<yourinstance>.service-now.com/api",
        ..standard(
            ProviderKind::Servicenow,
            "ServiceNow",
            "IT service management; your instance.service-now.com.",
            "https://<yourinstance>.service-now.com/oauth_auth.do",
            "https://<yourinstance>.service-now.com/oauth_token.do",
        )
    },
    Provider {
        default_scopes: &["https://<domain-name>/AllSites.Manage", "offline_access", "openid"],
        default_auth_method: ClientAuthMethod::ClientSecretPost,
        api_base_url: "https://<domain-name>/_api",
        ..standard(
            ProviderKind::Sharepoint,
            "SharePoint",
            "SharePoint Online sites, through your Microsoft Entra tenant.",
            MICROSOFT_AUTH,
            MICROSOFT_TOKEN,
        )
    },
    Provider {
        default_scopes: &["openid", "offline_access"],
        default_auth_method: ClientAuthMethod::ClientSecretPost,
        api_base_url: "https://graph.microsoft.com/v1.0",
        ..standard(
            ProviderKind::MicrosoftEntra,
            "Microsoft Entra",
            "Microsoft 365 and Graph APIs, through your Entra ID tenant.",
            MICROSOFT_AUTH,
            MICROSOFT_TOKEN,
        )
    },
    google(
        ProviderKind::GoogleCalendar,
        "Google Calendar",
        "Calendars and events of a Google account.",
        &["https://www.googleapis.com/auth/calendar"],
        "https://www.googleapis.com/calendar/v3",
    ),
    google(
        ProviderKind::GoogleDrive,
        "Google Drive",
        "Files in a Google account's Drive.",
        &["https://www.googleapis.com/auth/drive"],
        "https://www.googleapis.com/drive/v3",
    ),
    google(
        ProviderKind::GoogleSheets,
        "Google Sheets",
        "Spreadsheets in a Google account's Drive.",
        &["https://www.googleapis.com/auth/drive", "https://www.googleapis.com/auth/spreadsheets"],
        "https://sheets.googleapis.com/v4",
    ),
    standard(
        ProviderKind::Custom,
        "Custom OAuth 2.0 provider",
        "Any other OAuth 2.0 provider: you enter its URLs.",
        "",
        "",
    ),
];

impl ProviderKind {
    /// This kind's catalogue row.
    pub fn provider(self) -> &'static Provider {
        // The catalogue has one row per kind (a test checks it), so the fallback is never taken.
        CATALOGUE.iter().find(|p| p.kind == self).unwrap_or(&CATALOGUE[CATALOGUE.len() - 1])
    }
}

impl Provider {
    /// The placeholders this provider's URL formats and default scopes use, in catalogue order.
    pub fn placeholders(&self) -> Vec<Placeholder> {
        let text = format!(
            "{} {} {} {} {}",
            self.authorization_url,
            self.token_url,
            self.revocation_url,
            self.default_scopes.join(" "),
            self.api_base_url
        );
        PLACEHOLDERS.into_iter().filter(|p| text.contains(p.token)).collect()
    }
}

/// Replace every `<placeholder>` in `format` with its value from `values` (key, value pairs).
/// Placeholders without a value stay, so validation can point at them.
pub fn fill(format: &str, values: &[(String, String)]) -> String {
    let mut out = format.to_string();
    for placeholder in PLACEHOLDERS {
        if let Some((_, value)) = values.iter().find(|(k, _)| k == placeholder.key) {
            let value = value.trim();
            if !value.is_empty() {
                out = out.replace(placeholder.token, value);
            }
        }
    }
    out
}

/// The first `<placeholder>` still in `text`, if any.
pub fn unfilled(text: &str) -> Option<&'static Placeholder> {
    PLACEHOLDERS.iter().find(|p| text.contains(p.token))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn one_row_per_kind_and_names_round_trip() {
        for provider in &CATALOGUE {
            assert_eq!(provider.kind.provider().name, provider.name);
            assert_eq!(ProviderKind::parse(provider.kind.as_str()), Some(provider.kind));
            let json = serde_json::to_string(&provider.kind).unwrap();
            assert_eq!(json, format!("\"{}\"", provider.kind.as_str()));
        }
        assert_eq!(ProviderKind::parse("dropbox"), None);
        assert_eq!(ProviderKind::ALL.len(), CATALOGUE.len(), "every kind has a catalogue row");
    }

    #[test]
    fn salesforce_fills_its_instance() {
        let p = ProviderKind::Salesforce.provider();
        assert_eq!(p.placeholders().iter().map(|p| p.key).collect::<Vec<_>>(), vec!["yourinstance"]);
        let filled = fill(p.token_url, &values(&[("yourinstance", "acme")]));
        assert_eq!(filled, "https://acme.my.salesforce.com/services/oauth2/token");
        assert_eq!(p.default_scopes, &["api", "refresh_token", "offline_access"]);
        assert!(p.supports_pkce);
        assert_eq!(
            fill(p.revocation_url, &values(&[("yourinstance", "acme")])),
            "https://acme.my.salesforce.com/services/oauth2/revoke"
        );
    }

    #[test]
    fn sharepoint_needs_tenant_and_domain() {
        let p = ProviderKind::Sharepoint.provider();
        assert_eq!(p.placeholders().iter().map(|p| p.key).collect::<Vec<_>>(), vec!["tenant-id", "domain-name"]);
        let v = values(&[("tenant-id", "contoso.onmicrosoft.com"), ("domain-name", "contoso.sharepoint.com")]);
        assert_eq!(
            fill(p.authorization_url, &v),
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize"
        );
        assert_eq!(fill(p.default_scopes[0], &v), "https://contoso.sharepoint.com/AllSites.Manage");
    }

    /// A value for every placeholder the catalogue uses (one list, so a new placeholder is
    /// added once for every test that fills the whole catalogue).
    fn every_placeholder_filled() -> Vec<(String, String)> {
        values(&[
            ("yourinstance", "acme"),
            ("tenant-id", "t1"),
            ("domain-name", "example.com"),
            ("region-domain", "mypurecloud.com"),
        ])
    }

    #[test]
    fn every_provider_url_is_complete_once_filled() {
        let all = every_placeholder_filled();
        for p in CATALOGUE.iter().filter(|p| p.kind != ProviderKind::Custom) {
            for format in [p.authorization_url, p.token_url, p.revocation_url].into_iter().filter(|f| !f.is_empty()) {
                let url = fill(format, &all);
                assert_eq!(unfilled(&url), None, "{}", p.name);
                assert!(url.starts_with("https://"), "{}", p.name);
                assert!(url::Url::parse(&url).is_ok(), "{url}");
            }
        }
    }

    #[test]
    fn every_catalogue_api_base_passes_the_rule_once_filled() {
        use crate::endpoint::EndpointPolicy::PublicOnly;
        let all = every_placeholder_filled();
        for p in CATALOGUE.iter().filter(|p| p.kind != ProviderKind::Custom) {
            let base = crate::api_base::validate(&fill(p.api_base_url, &all), PublicOnly).unwrap();
            let base = base.unwrap_or_else(|| panic!("{} has an API base URL", p.name));
            let resolved = crate::api_base::resolve(&base, Some("https://acme.my.salesforce.com"), PublicOnly);
            assert!(resolved.is_ok(), "{}: {resolved:?}", p.name);
        }
        assert_eq!(ProviderKind::Custom.provider().api_base_url, "");
        assert_eq!(fill(ProviderKind::Servicenow.provider().api_base_url, &all), "https://acme.service-now.com/api");
        assert_eq!(ProviderKind::Salesforce.provider().api_base_url, "{instance_url}/services");
    }

    #[test]
    fn blank_values_leave_the_placeholder_for_validation() {
        let url = fill("https://<yourinstance>.service-now.com/oauth_token.do", &values(&[("yourinstance", "  ")]));
        assert_eq!(unfilled(&url).map(|p| p.key), Some("yourinstance"));
    }

    #[test]
    fn google_family_is_code_only_with_offline_params() {
        for kind in
            [ProviderKind::GoogleCalendar, ProviderKind::GoogleDrive, ProviderKind::GoogleSheets, ProviderKind::Apigee]
        {
            let p = kind.provider();
            assert!(!p.supports_pkce, "{}", p.name);
            assert_eq!(p.extra_authorize_params, &[("access_type", "offline"), ("prompt", "consent")]);
            assert_eq!(p.revocation_url, "https://oauth2.googleapis.com/revoke");
        }
        assert_eq!(
            ProviderKind::GoogleSheets.provider().default_scopes,
            &["https://www.googleapis.com/auth/drive", "https://www.googleapis.com/auth/spreadsheets"]
        );
        assert_eq!(ProviderKind::Apigee.provider().default_scopes, &["https://www.googleapis.com/auth/cloud-platform"]);
    }

    #[test]
    fn genesys_and_servicenow_have_no_default_scopes() {
        assert!(ProviderKind::Genesys.provider().default_scopes.is_empty());
        assert!(ProviderKind::Servicenow.provider().default_scopes.is_empty());
        assert_eq!(ProviderKind::Genesys.provider().placeholders()[0].key, "region-domain");
    }

    /// Every row filled with a real customer's values gives the URLs its provider documents:
    /// Genesys Cloud (developer.genesys.cloud, "Authorization code grant": `login.{region}`,
    /// e.g. login.mypurecloud.com, login.usw2.pure.cloud), Salesforce ("OAuth Endpoints": My
    /// Domain), ServiceNow ("OAuth endpoints": oauth_auth.do, oauth_token.do), Microsoft identity
    /// platform v2.0 endpoints, Google's OAuth 2.0 for web server apps.
    #[test]
    fn documented_urls() {
        let documented = [
            (
                ProviderKind::Genesys,
                ("region-domain", "mypurecloud.com"),
                "https://login.mypurecloud.com/oauth/authorize",
                "https://login.mypurecloud.com/oauth/token",
            ),
            (
                ProviderKind::Genesys,
                ("region-domain", "usw2.pure.cloud"),
                "https://login.usw2.pure.cloud/oauth/authorize",
                "https://login.usw2.pure.cloud/oauth/token",
            ),
            (
                ProviderKind::Salesforce,
                ("yourinstance", "acme"),
                "https://acme.my.salesforce.com/services/oauth2/authorize",
                "https://acme.my.salesforce.com/services/oauth2/token",
            ),
            (
                ProviderKind::Servicenow,
                ("yourinstance", "acme"),
                "https://acme.service-now.com/oauth_auth.do",
                "https://acme.service-now.com/oauth_token.do",
            ),
            (
                ProviderKind::Sharepoint,
                ("tenant-id", "contoso.onmicrosoft.com"),
                "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize",
                "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token",
            ),
            (
                ProviderKind::MicrosoftEntra,
                ("tenant-id", "contoso.onmicrosoft.com"),
                "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize",
                "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token",
            ),
            (
                ProviderKind::GoogleDrive,
                ("none", ""),
                "https://accounts.google.com/o/oauth2/v2/auth",
                "https://oauth2.googleapis.com/token",
            ),
            (
                ProviderKind::Apigee,
                ("none", ""),
                "https://accounts.google.com/o/oauth2/v2/auth",
                "https://oauth2.googleapis.com/token",
            ),
        ];
        for (kind, (key, value), auth, token) in documented {
            let p = kind.provider();
            let v = values(&[(key, value)]);
            assert_eq!(fill(p.authorization_url, &v), auth, "{}", p.name);
            assert_eq!(fill(p.token_url, &v), token, "{}", p.name);
        }
        // The hint shown for Genesys' one placeholder is a region domain, as Genesys documents.
        let genesys: Vec<&str> = ProviderKind::Genesys.provider().placeholders().iter().map(|p| p.key).collect();
        assert_eq!(genesys, ["region-domain"]);
        let region = PLACEHOLDERS.iter().find(|p| p.key == "region-domain").map(|p| p.example);
        assert_eq!(region, Some("mypurecloud.com or usw2.pure.cloud"), "no SharePoint host as Genesys' hint");
        assert!(CATALOGUE.iter().all(|p| !p.description.is_empty() && !p.description.contains('\n')));
    }
}
