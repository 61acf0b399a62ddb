//! The "Use from a bot" panel's text: the token call and the proxy call of one connection as
//! `curl`, Python and JavaScript, with the deployment's real origin and the connection's id
//! filled in. The key itself is never written into a snippet: each reads it from the `EOC_KEY`
//! environment variable.

use crate::token::TokenKind;

crate::text_enum! {
    /// A language a snippet is written in.
    pub enum Language {
        /// A shell command.
        Curl = "curl",
        /// Python 3 with `requests`.
        Python = "python",
        /// JavaScript (Node 18+ or a browser's `fetch`).
        JavaScript = "javascript",
    }
}

impl Language {
    /// The tab's label.
    pub fn label(self) -> &'static str {
        match self {
            Language::Curl => "curl",
            Language::Python => "Python",
            Language::JavaScript => "JavaScript",
        }
    }
}

/// The environment variable every snippet reads the bot key from.
pub const KEY_VARIABLE: &str = "EOC_KEY";

/// One language's snippets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippets {
    /// Which language.
    pub language: Language,
    /// `POST /api/v1/connections/{id}/token`: a valid access token.
    pub token_call: String,
    /// `GET /api/v1/connections/{id}/proxy/<path>`: the provider's API called with the token.
    pub proxy_call: String,
}

/// The token API's URL for a connection.
pub fn token_url(origin: &str, connection_id: &str) -> String {
    format!("{}/api/v1/connections/{}/token", origin.trim_end_matches('/'), connection_id)
}

/// The proxy's URL for a connection; `<path>` is the provider API path to fill.
pub fn proxy_url(origin: &str, connection_id: &str) -> String {
    format!("{}/api/v1/connections/{}/proxy/<path>", origin.trim_end_matches('/'), connection_id)
}

/// Single-quoted for a POSIX shell.
fn shell(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// A double-quoted string literal valid in Python and JavaScript alike (JSON's escapes).
fn literal(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into())
}

/// The snippets for every language, in `Language::ALL` order.
pub fn snippets(origin: &str, connection_id: &str, token_type: TokenKind) -> Vec<Snippets> {
    let (token, proxy, kind) =
        (token_url(origin, connection_id), proxy_url(origin, connection_id), token_type.as_str());
    let body = format!(r#"{{"token_type":"{kind}"}}"#);
    Language::ALL
        .into_iter()
        .map(|language| {
            let (token_call, proxy_call) = match language {
                Language::Curl => (
                    format!(
                        "curl -s -X POST {url} \\\n  -H \"Authorization: Bearer ${KEY_VARIABLE}\" \\\n  -H 'Content-Type: application/json' \\\n  -d {body}",
                        url = shell(&token),
                        body = shell(&body),
                    ),
                    format!(
                        "curl -s {url} \\\n  -H \"Authorization: Bearer ${KEY_VARIABLE}\" \\\n  -H 'X-Token-Type: {kind}'",
                        url = shell(&proxy),
                    ),
                ),
                Language::Python => (
                    format!(
                        "import os\nimport requests\n\nresponse = requests.post(\n    {url},\n    headers={{\"Authorization\": f\"Bearer {{os.environ['{KEY_VARIABLE}']}}\"}},\n    json={{\"token_type\": \"{kind}\"}},\n)\nresponse.raise_for_status()\naccess_token = response.json()[\"access_token\"]",
                        url = literal(&token),
                    ),
                    format!(
                        "import os\nimport requests\n\nresponse = requests.get(\n    {url},\n    headers={{\n        \"Authorization\": f\"Bearer {{os.environ['{KEY_VARIABLE}']}}\",\n        \"X-Token-Type\": \"{kind}\",\n    }},\n)",
                        url = literal(&proxy),
                    ),
                ),
                Language::JavaScript => (
                    format!(
                        "const response = await fetch({url}, {{\n  method: \"POST\",\n  headers: {{\n    Authorization: `Bearer ${{process.env.{KEY_VARIABLE}}}`,\n    \"Content-Type\": \"application/json\",\n  }},\n  body: JSON.stringify({{ token_type: \"{kind}\" }}),\n}});\nconst {{ access_token }} = await response.json();",
                        url = literal(&token),
                    ),
                    format!(
                        "const response = await fetch({url}, {{\n  headers: {{\n    Authorization: `Bearer ${{process.env.{KEY_VARIABLE}}}`,\n    \"X-Token-Type\": \"{kind}\",\n  }},\n}});",
                        url = literal(&proxy),
                    ),
                ),
            };
            Snippets { language, token_call, proxy_call }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_names_the_real_urls_and_reads_the_key_from_the_environment() {
        let all = snippets("https://oauth.example.com/", "c0ffee", TokenKind::Shared);
        assert_eq!(all.iter().map(|s| s.language).collect::<Vec<_>>(), Language::ALL);
        for s in &all {
            assert!(s.token_call.contains("https://oauth.example.com/api/v1/connections/c0ffee/token"), "{s:?}");
            assert!(s.proxy_call.contains("https://oauth.example.com/api/v1/connections/c0ffee/proxy/<path>"), "{s:?}");
            assert!(s.token_call.contains("EOC_KEY") && s.proxy_call.contains("EOC_KEY"), "{s:?}");
            assert!(s.token_call.contains("token_type") && s.token_call.contains("shared"), "{s:?}");
            assert!(s.proxy_call.contains("X-Token-Type") && s.proxy_call.contains("shared"), "{s:?}");
        }
    }

    #[test]
    fn curl_is_a_runnable_command() {
        let curl = &snippets("http://127.0.0.1:8787", "abc", TokenKind::User)[0];
        assert_eq!(
            curl.token_call,
            "curl -s -X POST 'http://127.0.0.1:8787/api/v1/connections/abc/token' \\\n  -H \"Authorization: Bearer $EOC_KEY\" \\\n  -H 'Content-Type: application/json' \\\n  -d '{\"token_type\":\"user\"}'"
        );
        assert_eq!(
            curl.proxy_call,
            "curl -s 'http://127.0.0.1:8787/api/v1/connections/abc/proxy/<path>' \\\n  -H \"Authorization: Bearer $EOC_KEY\" \\\n  -H 'X-Token-Type: user'"
        );
    }

    #[test]
    fn quotes_in_what_is_filled_in_cannot_break_out_of_the_strings() {
        let all = snippets("https://a'b\"c.example", "x", TokenKind::Shared);
        assert!(all[0].token_call.contains(r"'https://a'\''b"), "{}", all[0].token_call);
        assert!(all[1].token_call.contains(r#""https://a'b\"c.example/api"#), "{}", all[1].token_call);
        assert!(all[2].token_call.contains(r#"fetch("https://a'b\"c.example/api"#), "{}", all[2].token_call);
    }

    #[test]
    fn python_and_javascript_read_the_token_from_the_answer() {
        let all = snippets("https://h.example", "c", TokenKind::Shared);
        assert!(all[1].token_call.ends_with("access_token = response.json()[\"access_token\"]"));
        assert!(all[2].token_call.ends_with("const { access_token } = await response.json();"));
        assert!(all[2].token_call.contains("`Bearer ${process.env.EOC_KEY}`"));
        assert!(all[1].token_call.contains("f\"Bearer {os.environ['EOC_KEY']}\""));
    }
}
