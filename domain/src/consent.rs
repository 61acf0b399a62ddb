//! What a consent is for (`POST …/authorize` and its transaction row): a test that keeps
//! nothing, the connection's shared token, or the caller's own token.

use crate::token::TokenKind;

crate::text_enum! {
    /// Why a consent is started; who may start it depends on it.
    pub enum ConsentPurpose {
        /// A connection manager tests the settings; the token is reported, not kept.
        Test = "test",
        /// A connection manager saves the connection's shared token.
        Shared = "shared",
        /// A member of an invited role saves their own token.
        User = "user",
    }
}

impl ConsentPurpose {
    /// The token a finished consent keeps: none for a test.
    pub fn token_kind(self) -> Option<TokenKind> {
        match self {
            ConsentPurpose::Test => None,
            ConsentPurpose::Shared => Some(TokenKind::Shared),
            ConsentPurpose::User => Some(TokenKind::User),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes_keep_their_token() {
        assert_eq!(ConsentPurpose::Test.token_kind(), None);
        assert_eq!(ConsentPurpose::Shared.token_kind(), Some(TokenKind::Shared));
        assert_eq!(ConsentPurpose::User.token_kind(), Some(TokenKind::User));
        assert_eq!(serde_json::from_str::<ConsentPurpose>("\"shared\"").unwrap(), ConsentPurpose::Shared);
        assert!(serde_json::from_str::<ConsentPurpose>("\"admin\"").is_err());
    }
}
