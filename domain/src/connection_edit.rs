//! What an edit of a connection means for the credentials stored with it. The rule (trust rule
//! "credentials go only where they were entered for"): a change of *where or to whom*
//! credentials are sent must bring the client secret again, and drops every stored token —
//! otherwise a person who may edit a connection could point it at a host of their choosing and
//! receive the stored secret (Basic header of the next test) and refresh tokens (next refresh).

use crate::connection::ValidConnection;
use crate::validate::FieldError;

/// The effect of an edit on stored credentials, decided before anything is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditEffect {
    /// Nothing a token was issued for changed.
    Unchanged,
    /// Scopes or the secret changed: stored tokens were issued for something else (stale), but
    /// nothing is sent anywhere new.
    TokensStale,
    /// Where or to whom credentials are sent changed (the fields named): every stored token is
    /// dropped, pending consents are cancelled, and the connection is a draft again.
    Redirected {
        /// The wire names of the fields that moved the destination.
        fields: Vec<&'static str>,
    },
}

/// The fields that decide where or to whom credentials are sent: the API base URL (the proxy
/// sends access tokens there) and the revocation endpoint (it receives the client's credentials
/// and its tokens).
pub fn destination_fields(before: &ValidConnection, after: &ValidConnection) -> Vec<&'static str> {
    let mut fields = Vec::new();
    if before.token_url != after.token_url {
        fields.push("token_url");
    }
    if before.authorization_url != after.authorization_url {
        fields.push("authorization_url");
    }
    if before.revocation_url != after.revocation_url {
        fields.push("revocation_url");
    }
    if before.client_id != after.client_id {
        fields.push("client_id");
    }
    if before.client_auth_method != after.client_auth_method {
        fields.push("client_auth_method");
    }
    if before.grant_type != after.grant_type {
        fields.push("grant_type");
    }
    // Access tokens go there with every proxied call.
    if before.api_base_url != after.api_base_url {
        fields.push(crate::api_base::FIELD);
    }
    fields
}

/// Decide an edit. `secret_on_file` says whether a client secret is stored: a redirect must then
/// bring a new one in the same request (`secret_required`), so the stored secret never travels
/// to a place it was not entered for. A public client (PKCE without a secret) has none to bring.
pub fn effect_of_edit(
    before: &ValidConnection,
    after: &ValidConnection,
    secret_on_file: bool,
) -> Result<EditEffect, FieldError> {
    let fields = destination_fields(before, after);
    if !fields.is_empty() {
        if secret_on_file && after.client_secret.is_none() {
            return Err(FieldError::new(
                "client_secret",
                "secret_required",
                format!(
                    "Changing {} changes where credentials are sent: enter the client secret again.",
                    fields.iter().map(|f| label(f)).collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        return Ok(EditEffect::Redirected { fields });
    }
    if after.client_secret.is_some() || before.scopes != after.scopes {
        return Ok(EditEffect::TokensStale);
    }
    Ok(EditEffect::Unchanged)
}

/// How a person reads a destination field's name.
fn label(field: &str) -> &str {
    match field {
        "token_url" => "the token URL",
        "authorization_url" => "the authorization URL",
        "revocation_url" => "the revocation URL",
        "client_id" => "the client ID",
        "client_auth_method" => "the client authentication method",
        "grant_type" => "the grant type",
        "api_base_url" => "the API base URL",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::{ClientAuthMethod, GrantType};
    use crate::provider::ProviderKind;

    fn stored() -> ValidConnection {
        ValidConnection {
            provider: ProviderKind::Custom,
            name: "CRM".into(),
            description: String::new(),
            grant_type: GrantType::AuthorizationCode,
            client_id: "client".into(),
            client_secret: None,
            authorization_url: "https://idp.example/authorize".into(),
            token_url: "https://idp.example/token".into(),
            scopes: vec!["api".into()],
            placeholders: Default::default(),
            client_auth_method: ClientAuthMethod::ClientSecretBasic,
            save_credentials: true,
            api_base_url: Some("https://api.example/v1".into()),
            issuer: String::new(),
            revocation_url: "https://idp.example/revoke".into(),
            iss_required: false,
        }
    }

    #[test]
    fn renames_and_descriptions_change_nothing() {
        let mut after = stored();
        after.name = "Renamed".into();
        after.description = "new words".into();
        // The issuer and the RFC 9207 flag decide what is accepted, not where anything is sent.
        after.issuer = "https://idp.example".into();
        after.iss_required = true;
        assert_eq!(effect_of_edit(&stored(), &after, true), Ok(EditEffect::Unchanged));
    }

    #[test]
    fn scopes_or_a_new_secret_make_tokens_stale() {
        let mut scoped = stored();
        scoped.scopes.push("id".into());
        assert_eq!(effect_of_edit(&stored(), &scoped, true), Ok(EditEffect::TokensStale));
        let mut rotated = stored();
        rotated.client_secret = Some("rotated".into());
        assert_eq!(effect_of_edit(&stored(), &rotated, true), Ok(EditEffect::TokensStale));
    }

    /// Every field that decides where credentials go needs the secret again when one is stored.
    #[test]
    fn every_destination_change_needs_the_secret() {
        type Change = (&'static str, fn(&mut ValidConnection));
        let changes: [Change; 8] = [
            ("revocation_url", |c| c.revocation_url = "https://evil.example/revoke".into()),
            ("token_url", |c| c.token_url = "https://evil.example/token".into()),
            ("authorization_url", |c| c.authorization_url = "https://evil.example/authorize".into()),
            ("client_id", |c| c.client_id = "other".into()),
            ("client_auth_method", |c| c.client_auth_method = ClientAuthMethod::ClientSecretPost),
            ("grant_type", |c| c.grant_type = GrantType::ClientCredentials),
            ("api_base_url", |c| c.api_base_url = Some("https://evil.example/v1".into())),
            ("api_base_url", |c| c.api_base_url = None),
        ];
        for (field, change) in changes {
            let mut after = stored();
            change(&mut after);
            let refused = effect_of_edit(&stored(), &after, true).unwrap_err();
            assert_eq!(
                (refused.field.as_str(), refused.code.as_str()),
                ("client_secret", "secret_required"),
                "{field}"
            );
            assert!(refused.message.contains(label(field)), "{field}: {}", refused.message);
            after.client_secret = Some("entered again".into());
            assert_eq!(
                effect_of_edit(&stored(), &after, true),
                Ok(EditEffect::Redirected { fields: vec![field] }),
                "{field}"
            );
        }
    }

    #[test]
    fn a_public_client_has_no_secret_to_bring_but_still_drops_its_tokens() {
        let mut after = stored();
        after.token_url = "https://other.example/token".into();
        assert_eq!(effect_of_edit(&stored(), &after, false), Ok(EditEffect::Redirected { fields: vec!["token_url"] }));
    }
}
