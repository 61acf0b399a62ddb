//! Properties of every parser and validator a request reaches: on any input they answer (never
//! panic), and what they accept is a fixed point: accepting it again gives it back unchanged, so
//! a stored value is re-read as itself. (The outbound URL rule has its own file.)

use domain::api_key::{self, TAG_BYTES};
use domain::api_routes::Operation;
use domain::audit::AuditAction;
use domain::body::{Declared, check_declared};
use domain::device::DeviceCookie;
use domain::error::ErrorCode;
use domain::key_scope::{self, KeyScope};
use domain::provider::{PLACEHOLDERS, fill, unfilled};
use domain::{page, scope, validate};
use proptest::prelude::*;

/// 2048 cases from a fixed seed, so CI runs the same cases every time (a failure is a finding,
/// never a flake); `PROPTEST_RNG_SEED=<n>` explores others.
fn config() -> ProptestConfig {
    let mut config = ProptestConfig::with_cases(2048);
    if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
        config.rng_seed = proptest::test_runner::RngSeed::Fixed(20_261_130);
    }
    config
}

/// Text people and attackers type: mostly printable, with spaces, separators, controls, odd
/// Unicode (combining marks, right-to-left, full-width) and long runs.
fn typed() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 ._@,()&/+-]{0,80}",
        "\\PC{0,80}",
        ".{0,300}",
        "[ \t\n\r\u{0}\u{7f}\u{200b}\u{202e}\u{ff21}\u{301}a@.]{0,40}",
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn an_accepted_email_is_normalised_once_and_for_all(raw in typed(), local in "[a-zA-Z0-9._+-]{1,64}", host in "[a-zA-Z0-9-]{1,20}\\.[a-zA-Z]{2,6}") {
        for candidate in [raw, format!("{local}@{host}"), format!("  {local}@{host}\t")] {
            if let Ok(normal) = validate::email("email", &candidate) {
                prop_assert_eq!(validate::email("email", &normal), Ok(normal.clone()));
                prop_assert!(normal.chars().count() <= 254);
                prop_assert!(!normal.chars().any(char::is_whitespace));
                prop_assert_eq!(normal.to_lowercase(), normal.clone());
            }
        }
    }

    #[test]
    fn an_accepted_name_is_a_fixed_point_and_its_key_ignores_case(raw in typed()) {
        if let Ok(name) = validate::name("name", &raw) {
            prop_assert_eq!(validate::name("name", &name), Ok(name.clone()));
            prop_assert!(name.chars().count() <= validate::NAME_MAX_CHARS);
            prop_assert_eq!(validate::name_key(&name), validate::name_key(&name.to_uppercase()));
            prop_assert!(!name.contains("  ") && name.trim() == name);
        }
        let _ = validate::required_text("x", &raw, 10);
        let _ = validate::optional_text("x", &raw, 10);
    }

    #[test]
    fn passwords_are_judged_by_length_alone(raw in typed()) {
        let chars = raw.chars().count();
        let verdict = validate::password("password", &raw, None);
        if !(validate::PASSWORD_MIN_CHARS..=validate::PASSWORD_MAX_CHARS).contains(&chars) {
            prop_assert!(verdict.is_err());
        }
        if verdict.is_ok() {
            prop_assert!(!raw.trim().is_empty());
        }
    }

    #[test]
    fn scopes_normalise_to_a_fixed_point_whatever_the_delimiter(raw in typed(), space in any::<bool>()) {
        let scopes = scope::normalise(&raw);
        let delimiter = if space { " " } else { "," };
        prop_assert_eq!(scope::normalise(&scope::join(&scopes, delimiter)), scopes.clone());
        prop_assert_eq!(scope::normalise_list(&scopes), scopes.clone());
        for s in &scopes {
            prop_assert!(!s.is_empty() && !s.contains(',') && !s.chars().any(char::is_whitespace));
            prop_assert_eq!(scopes.iter().filter(|t| *t == s).count(), 1);
        }
    }

    #[test]
    fn a_minted_key_parses_back_to_its_parts(prefix in any::<[u8; 4]>(), secret in any::<[u8; 32]>(), tag in any::<[u8; TAG_BYTES]>()) {
        let unsigned = api_key::unsigned_key(prefix, secret);
        let key = api_key::signed_key(&unsigned, &tag);
        let parts = api_key::parse(&key).ok_or_else(|| TestCaseError::fail("a minted key did not parse"))?;
        prop_assert_eq!(parts.unsigned, unsigned.as_str());
        prop_assert_eq!(api_key::unhex(parts.tag), Some(tag.to_vec()));
        prop_assert_eq!(api_key::key_prefix(&key), Some(parts.prefix));
        prop_assert!(key.starts_with(parts.prefix));
        // One character more, less or changed in case is not a key.
        let longer = format!("{key}0");
        prop_assert!(api_key::parse(&longer).is_none());
        prop_assert!(api_key::parse(&key[..key.len() - 1]).is_none());
        prop_assert!(api_key::parse(&key.to_uppercase()).is_none());
    }

    #[test]
    fn anything_else_is_not_a_key_and_hex_round_trips(raw in typed(), bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        if let Some(parts) = api_key::parse(&raw) {
            prop_assert_eq!(raw.len(), api_key::KEY_PREFIX.len() + 8 + 1 + 64 + 1 + 2 * TAG_BYTES);
            prop_assert!(raw.starts_with(parts.unsigned));
        }
        prop_assert_eq!(api_key::unhex(&api_key::hex(&bytes)), Some(bytes.clone()));
        prop_assert_eq!(api_key::unhex(&api_key::hex(&bytes).to_uppercase()), Some(bytes));
        let _ = api_key::unhex(&raw);
    }

    #[test]
    fn a_device_cookie_parses_back_and_nothing_else_does(user in "[a-zA-Z0-9-]{1,64}", nonce in "[0-9a-f]{32}", at in 0i64..4_000_000_000, mac in "[0-9a-f]{64}", raw in typed()) {
        let cookie = DeviceCookie { user_id: user, nonce, issued_at: at };
        let value = cookie.value(&mac);
        let (back, carried) = DeviceCookie::parse(&value).ok_or_else(|| TestCaseError::fail("a cookie did not parse"))?;
        prop_assert_eq!(back.signed_text(), cookie.signed_text());
        prop_assert_eq!(carried, mac.as_str());
        if let Some((parsed, _)) = DeviceCookie::parse(&raw) {
            prop_assert!(parsed.issued_at >= 0);
            prop_assert!(raw.starts_with(&parsed.signed_text()));
        }
    }

    #[test]
    fn filled_placeholders_leave_nothing_to_fill(values in proptest::collection::vec("[a-z0-9-]{1,20}", PLACEHOLDERS.len()), raw in typed()) {
        let format = PLACEHOLDERS.iter().map(|p| format!("https://{}/x", p.token)).collect::<Vec<_>>().join(" ");
        let pairs: Vec<(String, String)> = PLACEHOLDERS.iter().zip(&values).map(|(p, v)| (p.key.to_string(), v.clone())).collect();
        let filled = fill(&format, &pairs);
        prop_assert!(unfilled(&filled).is_none(), "{}", filled);
        for value in &values {
            prop_assert!(filled.contains(value.as_str()));
        }
        // Blank values leave their placeholder for validation to point at; nothing panics.
        let blank: Vec<(String, String)> = PLACEHOLDERS.iter().map(|p| (p.key.to_string(), " ".into())).collect();
        prop_assert_eq!(fill(&format, &blank), format.clone());
        let _ = fill(&raw, &pairs);
        let _ = unfilled(&raw);
    }

    #[test]
    fn a_declared_length_is_read_only_when_it_is_a_small_number(raw in typed(), n in any::<u64>()) {
        let declared = check_declared(Some(&n.to_string()));
        prop_assert_eq!(declared == Declared::Read, n <= domain::body::MAX_BODY_BYTES as u64);
        let _ = check_declared(Some(&raw));
    }

    #[test]
    fn a_page_limit_is_always_a_page_and_an_accepted_one_reads_back(raw in typed(), n in prop_oneof![0u32..200, any::<u32>()]) {
        for given in [Some(raw.as_str()), Some(&n.to_string()), None] {
            let limit = page::limit(given);
            prop_assert!((1..=page::MAX_LIMIT).contains(&limit), "{:?} -> {}", given, limit);
        }
        if (1..=page::MAX_LIMIT).contains(&n) {
            prop_assert_eq!(page::limit(Some(&n.to_string())), n);
        }
    }

    #[test]
    fn a_cursor_comes_only_with_a_full_page_and_is_its_last_key(keys in proptest::collection::vec(typed(), 0..12), limit in 1u32..12) {
        let cursor = page::next_cursor(&keys, limit, |k| k.clone());
        if keys.len() == limit as usize {
            prop_assert_eq!(cursor.as_ref(), keys.last());
        } else {
            prop_assert_eq!(cursor, None);
        }
    }

    #[test]
    fn key_scopes_always_hold_tokens_and_read_back_as_themselves(asked in proptest::collection::vec(typed(), 0..4)) {
        if let Ok(scopes) = key_scope::from_request(&asked) {
            prop_assert!(scopes.contains(&KeyScope::Tokens));
            let names: Vec<String> = scopes.iter().map(|s| s.as_str().to_string()).collect();
            prop_assert_eq!(key_scope::from_request(&names).ok(), Some(scopes.clone()));
            prop_assert_eq!(key_scope::from_stored(&serde_json::to_string(&names).unwrap()), scopes);
        }
        let _ = key_scope::from_stored(&asked.join(""));
    }

    #[test]
    fn wire_enums_parse_only_their_own_names(raw in typed()) {
        for (parsed, back) in [
            (ErrorCode::parse(&raw).map(ErrorCode::as_str), &raw),
            (Operation::parse(&raw).map(Operation::as_str), &raw),
            (AuditAction::parse(&raw).map(AuditAction::as_str), &raw),
        ] {
            if let Some(text) = parsed {
                prop_assert_eq!(text, back.as_str());
            }
        }
    }
}
