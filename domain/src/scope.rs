//! Scopes: people type them separated by commas or spaces; we store a normalised list and send
//! them joined with the provider's delimiter.

/// Split on commas and whitespace, drop empties and repeats, keep the order given.
pub fn normalise(input: &str) -> Vec<String> {
    let mut scopes: Vec<String> = Vec::new();
    for scope in input.split(|c: char| c == ',' || c.is_whitespace()) {
        if !scope.is_empty() && !scopes.iter().any(|s| s == scope) {
            scopes.push(scope.to_string());
        }
    }
    scopes
}

/// The same, for a list that may hold several scopes per item.
pub fn normalise_list(items: &[String]) -> Vec<String> {
    normalise(&items.join(" "))
}

/// Join for the wire with the provider's delimiter.
pub fn join(scopes: &[String], delimiter: &str) -> String {
    scopes.join(delimiter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commas_and_spaces_both_separate() {
        assert_eq!(normalise("api, refresh_token  offline_access"), vec!["api", "refresh_token", "offline_access"]);
        assert_eq!(normalise("a,b,,c"), vec!["a", "b", "c"]);
        assert_eq!(normalise("a\tb\nc"), vec!["a", "b", "c"]);
    }

    #[test]
    fn repeats_and_blanks_go_order_stays() {
        assert_eq!(normalise(" b a b , a "), vec!["b", "a"]);
        assert!(normalise(" , ,, ").is_empty());
    }

    #[test]
    fn urls_as_scopes_survive() {
        let scopes = normalise("https://www.googleapis.com/auth/drive,https://www.googleapis.com/auth/spreadsheets");
        assert_eq!(
            join(&scopes, " "),
            "https://www.googleapis.com/auth/drive https://www.googleapis.com/auth/spreadsheets"
        );
    }

    #[test]
    fn lists_are_normalised_too() {
        assert_eq!(normalise_list(&["a b".into(), "b,c".into()]), vec!["a", "b", "c"]);
    }

    #[test]
    fn join_uses_the_delimiter() {
        assert_eq!(join(&["a".into(), "b".into()], ","), "a,b");
        assert_eq!(join(&[], " "), "");
    }
}
