//! Widgets shared by several pages.

pub mod bot_panel;
pub mod confirm;
pub mod consent;
pub mod copy_field;
pub mod feedback;
pub mod field;
pub mod field_errors;
pub mod header;
pub mod invite_editor;
pub mod multi_select;
pub mod paged;
pub mod require_sign_in;
pub mod status_badge;
pub mod toast;
pub mod token_status;
pub mod user_form;
