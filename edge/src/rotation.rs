//! Key rotation (ARCHITECTURE.md): after a new key is put first in `ENCRYPTION_KEYS`, every sealed
//! value (`store::sealed::SEALED`) is re-encrypted under it, one bounded batch per call:
//!
//! 1. one D1 batch reads up to `limit` values per sealed column that are under another key the
//!    ring still holds;
//! 2. each is opened and sealed again under the active key with a fresh nonce, bound to the same
//!    table, row and column;
//! 3. one D1 batch writes them back, each only if the stored value is still the one read (a
//!    refresh or an edit meanwhile wrote a newer value, under the active key already);
//! 4. one D1 batch counts what is left under other keys.
//!
//! A call is idempotent and may be interrupted anywhere: a value already under the active key is
//! never selected, so calling again resumes. `done` is true once no value is under another key;
//! then the old keys can leave `ENCRYPTION_KEYS`. Values under keys the ring no longer holds are
//! counted as `unreadable` (they stay until their key is given back).

use std::collections::BTreeMap;

use worker::D1Database;

use crate::crypto;
use crate::envelope::{EnvelopeError, KeyRing, Place, key_id_of};
use crate::error::{ApiError, ApiResult};
use crate::store::{self, sealed};

/// Values per sealed column in one call, unless the caller asks for fewer or more.
pub const DEFAULT_LIMIT: u32 = 100;
/// The most a caller may ask for: a call makes at most 4 × limit writes and 9 other queries, inside
/// D1's 1000 queries per invocation on the Workers Paid plan (50 on Free: ask for 10 there).
pub const MAX_LIMIT: u32 = 200;

/// What a stored value needs.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Sealed under the active key: nothing to do.
    Current,
    /// Sealed under an older key the ring still holds: re-encrypt.
    Rewrap,
    /// Not an envelope, or under a key the ring no longer holds: cannot be re-encrypted.
    Unreadable,
}

/// The decision for one stored value, from its key id alone.
pub fn verdict(stored: &str, ring_ids: &[&str]) -> Verdict {
    match (key_id_of(stored), ring_ids.first()) {
        (Some(id), Some(active)) if id == *active => Verdict::Current,
        (Some(id), _) if ring_ids.contains(&id) => Verdict::Rewrap,
        _ => Verdict::Unreadable,
    }
}

/// The same value sealed under the active key, bound to the same place.
pub fn rewrap(ring: &KeyRing, stored: &str, place: &Place<'_>, nonce: [u8; 12]) -> Result<String, EnvelopeError> {
    ring.seal(ring.open(stored, place)?.expose(), place, nonce)
}

/// The limit a caller asked for, within 1..=`MAX_LIMIT`.
pub fn limit(asked: Option<u32>) -> u32 {
    asked.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
}

/// What is left under keys other than the active one, from per-key counts.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Left {
    pub by_key: BTreeMap<String, u64>,
    pub remaining: u64,
    pub unreadable: u64,
}

/// Name for values that are not envelopes at all, in `remaining_by_key`.
pub const NOT_AN_ENVELOPE: &str = "(not an envelope)";

impl Left {
    /// Add one column's census.
    pub fn add(&mut self, census: &[(Option<String>, u64)], ring_ids: &[&str]) {
        for (key_id, n) in census {
            let name = key_id.as_deref().filter(|k| !k.is_empty());
            if name.is_some() && name == ring_ids.first().copied() {
                continue;
            }
            self.remaining += n;
            if !name.is_some_and(|k| ring_ids.contains(&k)) {
                self.unreadable += n;
            }
            *self.by_key.entry(name.unwrap_or(NOT_AN_ENVELOPE).to_string()).or_default() += n;
        }
    }
}

/// The answer of one call (a wire type: `domain::api::RotationReport`).
pub use domain::api::RotationReport as Report;

/// One bounded rotation step (see the module comment).
pub async fn run(db: &D1Database, ring: &KeyRing, limit: u32) -> ApiResult<Report> {
    let ring_ids: Vec<&str> = ring.ids().collect();
    let older: Vec<String> = ring_ids.iter().skip(1).map(|s| s.to_string()).collect();
    let older = store::json_ids(&older);

    let reads =
        sealed::SEALED.iter().map(|c| sealed::under_keys(db, c, &older, limit)).collect::<ApiResult<Vec<_>>>()?;
    let found = db.batch(reads).await?;

    let mut rewrapped: BTreeMap<String, u64> = sealed::SEALED.iter().map(|c| (c.label(), 0)).collect();
    let mut failed = Vec::new();
    let mut writes = Vec::new();
    let mut labels = Vec::new();
    for (column, result) in sealed::SEALED.iter().zip(found) {
        for stored in result.results::<sealed::Stored>()? {
            if verdict(&stored.value, &ring_ids) != Verdict::Rewrap {
                continue;
            }
            let place = Place { table: column.table, row: &stored.id, column: column.column };
            match rewrap(ring, &stored.value, &place, crypto::random_bytes::<12>()?) {
                Ok(new) => {
                    writes.push(sealed::rewrite(db, column, &stored.id, &stored.value, &new)?);
                    labels.push(column.label());
                }
                Err(error) => {
                    worker::console_error!("rotation: {} {} does not open: {error}", column.label(), stored.id);
                    failed.push(format!("{} {}", column.label(), stored.id));
                }
            }
        }
    }
    let mut changed_meanwhile = 0;
    if !writes.is_empty() {
        for (label, result) in labels.into_iter().zip(db.batch(writes).await?) {
            if store::changed(&result) {
                *rewrapped.entry(label).or_default() += 1;
            } else {
                changed_meanwhile += 1;
            }
        }
    }

    let counts = sealed::SEALED.iter().map(|c| sealed::census(db, c)).collect::<ApiResult<Vec<_>>>()?;
    let mut left = Left::default();
    for result in db.batch(counts).await? {
        let census: Vec<(Option<String>, u64)> = result
            .results::<sealed::Census>()?
            .into_iter()
            .map(|c| (c.key_id, u64::try_from(c.n).unwrap_or(0)))
            .collect();
        left.add(&census, &ring_ids);
    }
    let active_key = ring.active_id().map_err(ApiError::from)?.to_string();
    Ok(Report {
        active_key,
        rewrapped,
        changed_meanwhile,
        failed,
        done: left.remaining == 0,
        remaining: left.remaining,
        remaining_by_key: left.by_key,
        unreadable: left.unreadable,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const K1: &str = "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    const K2: &str = "k2:Hx4dHBsaGRgXFhUUExIREA8ODQwLCgkIBwYFBAMCAQA=";

    fn place(row: &str) -> Place<'_> {
        Place { table: "tokens", row, column: "refresh_token" }
    }

    #[test]
    fn only_values_under_an_older_held_key_are_rewrapped() {
        let ids = ["k2", "k1"];
        assert_eq!(verdict("v1.k2.bm9uY2U.Y3Q", &ids), Verdict::Current);
        assert_eq!(verdict("v1.k1.bm9uY2U.Y3Q", &ids), Verdict::Rewrap);
        assert_eq!(verdict("v1.k0.bm9uY2U.Y3Q", &ids), Verdict::Unreadable, "a key no longer held");
        assert_eq!(verdict("plaintext", &ids), Verdict::Unreadable);
        assert_eq!(verdict("v1.k1.bm9uY2U.Y3Q", &["k1"]), Verdict::Current, "one key: nothing to do");
        assert_eq!(verdict("v1.k1.a.b", &[]), Verdict::Unreadable);
    }

    #[test]
    fn a_rewrapped_value_opens_under_the_new_key_alone_in_its_own_place_only() {
        let old = KeyRing::parse(K1).unwrap();
        let stored = old.seal("refresh-token-value", &place("t1"), [1; 12]).unwrap();
        let both = KeyRing::parse(&format!("{K2},{K1}")).unwrap();
        let new = rewrap(&both, &stored, &place("t1"), [2; 12]).unwrap();
        assert!(new.starts_with("v1.k2."));
        assert_eq!(verdict(&new, &["k2", "k1"]), Verdict::Current, "a second run skips it");
        let only_new = KeyRing::parse(K2).unwrap();
        assert_eq!(only_new.open(&new, &place("t1")).unwrap().expose(), "refresh-token-value");
        assert!(matches!(only_new.open(&new, &place("t2")), Err(EnvelopeError::Rejected)));
        // A value moved to another row does not open there, so it is not rewrapped there either.
        assert_eq!(rewrap(&both, &stored, &place("t2"), [3; 12]), Err(EnvelopeError::Rejected));
    }

    #[test]
    fn what_is_left_counts_every_key_but_the_active_one() {
        let ids = ["k2", "k1"];
        let mut left = Left::default();
        left.add(&[(Some("k2".into()), 5), (Some("k1".into()), 3)], &ids);
        left.add(&[(Some("k0".into()), 2), (None, 1), (Some(String::new()), 1)], &ids);
        assert_eq!(left.remaining, 7);
        assert_eq!(left.unreadable, 4);
        assert_eq!(left.by_key.get("k1"), Some(&3));
        assert_eq!(left.by_key.get("k0"), Some(&2));
        assert_eq!(left.by_key.get(NOT_AN_ENVELOPE), Some(&2));
        assert!(!left.by_key.contains_key("k2"));
        let mut done = Left::default();
        done.add(&[(Some("k2".into()), 9)], &ids);
        assert_eq!(done, Left::default());
    }

    #[test]
    fn limits_stay_in_bounds() {
        assert_eq!(limit(None), DEFAULT_LIMIT);
        assert_eq!(limit(Some(0)), 1);
        assert_eq!(limit(Some(10_000)), MAX_LIMIT);
        assert_eq!(limit(Some(7)), 7);
    }
}
