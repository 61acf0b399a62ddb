//! Pure rules shared by the SPA (`app`) and the worker (`edge`): wire types, error codes,
//! URL building. No I/O and no platform types, so it builds for native and wasm32 alike and is
//! tested with plain `cargo test`.
#![warn(missing_docs)]

pub mod access;
pub mod address;
pub mod api;
pub mod api_base;
pub mod api_key;
pub mod api_routes;
pub mod audit;
pub mod body;
pub mod bot_snippets;
pub mod callback;
pub mod connection;
pub mod connection_edit;
pub mod consent;
pub mod device;
pub mod discovery;
pub mod endpoint;
pub mod error;
pub mod health;
pub mod key_scope;
pub mod list_memory;
pub mod list_order;
pub mod notification;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod origin;
pub mod page;
pub mod permission;
pub mod provider;
pub mod provider_revocation;
pub mod proxy;
pub mod readiness;
pub mod role;
pub mod scope;
pub mod secret;
pub mod session;
pub mod spa_route;
pub mod stewardship;
pub mod text_enum;
pub mod token;
pub mod url;
pub mod user;
pub mod validate;
pub mod webhook;

/// The product's name as shown in the SPA and on callback pages.
pub const PRODUCT_NAME: &str = "Edge OAuth Connections";

/// The path of the OAuth redirect endpoint that every provider calls back to.
pub const CALLBACK_PATH: &str = "/oauth/callback";
