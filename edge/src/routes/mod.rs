//! One file per API resource; handlers stay thin and leave rules to `domain`.

pub mod api_keys;
pub mod audit;
pub mod bootstrap;
pub mod config;
pub mod connections;
pub mod diagnostics;
pub mod health;
pub mod invitable_roles;
pub mod notifications;
pub mod oauth;
pub mod providers;
pub mod roles;
pub mod session;
pub mod tokens;
pub mod users;
