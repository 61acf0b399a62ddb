//! Talking to providers: the outbound HTTP client the `oauth2` crate runs on, and discovery.

pub mod callback_page;
pub mod client;
pub mod connection;
pub mod discovery;
pub mod http;
pub mod revoke;
