//! The SPA's Content-Security-Policy. Trunk's loader is an inline module script, so
//! `script-src 'self'` alone would block the app; after each build the policy in `dist/_headers`
//! gets the SHA-256 of every inline script, which allows exactly those and nothing else.

use base64::Engine;
use sha2::{Digest, Sha256};

use crate::{Result, paths};

/// The placeholder in `public/_headers` that the hashes replace.
const MARKER: &str = "script-src 'self'";

pub fn write_headers() -> Result<()> {
    let dist = paths::root().join("dist");
    let html = std::fs::read_to_string(dist.join("index.html"))?;
    let template = std::fs::read_to_string(paths::root().join("public/_headers"))?;
    if !template.contains(MARKER) {
        return Err(format!("public/_headers has no `{MARKER}` to extend").into());
    }
    let hashes: Vec<String> = inline_scripts(&html).iter().map(|s| format!("'sha256-{}'", sha256_base64(s))).collect();
    let policy = format!("{MARKER} {}", hashes.join(" "));
    std::fs::write(dist.join("_headers"), template.replace(MARKER, policy.trim_end()))?;
    Ok(())
}

fn sha256_base64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text.as_bytes()))
}

/// The exact text of every `<script>` element without a `src` attribute.
fn inline_scripts(html: &str) -> Vec<&str> {
    let mut scripts = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after_tag = &rest[start..];
        let Some(open_end) = after_tag.find('>') else { break };
        let tag = &after_tag[..open_end];
        let body_start = &after_tag[open_end + 1..];
        let Some(close) = body_start.find("</script>") else { break };
        if !tag.contains(" src=") {
            scripts.push(&body_start[..close]);
        }
        rest = &body_start[close + "</script>".len()..];
    }
    scripts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_inline_scripts_are_hashed_verbatim() {
        let html = "<head><script type=\"module\">\nimport x from '/a.js';\n</script><script src=\"/b.js\"></script><script>y()</script></head>";
        assert_eq!(inline_scripts(html), vec!["\nimport x from '/a.js';\n", "y()"]);
    }

    #[test]
    fn the_hash_is_what_browsers_compute() {
        // echo -n 'alert(1)' | openssl dgst -sha256 -binary | base64
        assert_eq!(sha256_base64("alert(1)"), "bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI=");
    }

    #[test]
    fn no_scripts_no_hashes() {
        assert!(inline_scripts("<p>hi</p>").is_empty());
    }
}
