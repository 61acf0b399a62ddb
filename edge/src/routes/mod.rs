//! One file per API resource; handlers stay thin and leave rules to `domain`.

pub mod config;
pub mod diagnostics;
pub mod health;
