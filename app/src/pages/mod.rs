//! One file per page.

pub mod api_keys;
pub mod api_reference;
pub mod audit;
pub mod connection_detail;
pub mod connections;
pub mod home;
pub mod my_connections;
pub mod not_found;
pub mod notifications;
pub mod role_editor;
pub mod roles;
pub mod sign_in;
pub mod users;
pub mod webhooks;
pub mod wizard;
