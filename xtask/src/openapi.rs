//! `cargo xtask openapi [--check]`: write the OpenAPI document that `domain::openapi` generates
//! from the route table and the wire types to `edge/openapi.json`, which the worker serves. With
//! `--check` (and in the test below), fail instead when the committed file differs.

use std::path::PathBuf;

use crate::paths;

/// The committed document.
pub fn path() -> PathBuf {
    paths::root().join("edge/openapi.json")
}

pub fn run(args: &[String]) -> crate::Result<()> {
    let generated = domain::openapi::document_text();
    let committed = std::fs::read_to_string(path()).unwrap_or_default();
    if args.iter().any(|a| a == "--check") {
        if committed != generated {
            return Err("edge/openapi.json is stale: run `cargo xtask openapi`".into());
        }
        println!("edge/openapi.json is up to date");
        return Ok(());
    }
    if committed != generated {
        std::fs::write(path(), &generated)?;
        println!("wrote edge/openapi.json");
    } else {
        println!("edge/openapi.json was up to date");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_committed_document_is_what_the_code_generates() {
        let committed = std::fs::read_to_string(super::path()).unwrap();
        assert!(
            committed == domain::openapi::document_text(),
            "edge/openapi.json differs from the route table and wire types: run `cargo xtask openapi`"
        );
    }
}
