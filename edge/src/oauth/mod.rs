//! Talking to providers: the outbound HTTP client the `oauth2` crate runs on, and discovery.

pub mod discovery;
pub mod http;
