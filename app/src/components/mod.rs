//! Widgets shared by several pages.

pub mod copy_field;
pub mod header;
