//! Paging of every list endpoint: `?limit=` and `?cursor=` in, `next_cursor` out (keyset paging:
//! the cursor is the last row's sort key, opaque to clients).

/// The page size when `?limit=` is absent or not a number.
pub const DEFAULT_LIMIT: u32 = 50;
/// The largest page.
pub const MAX_LIMIT: u32 = 100;

/// `?limit=` clamped to 1..=100; 50 when absent or not a number.
pub fn limit(raw: Option<&str>) -> u32 {
    raw.and_then(|v| v.parse::<u32>().ok()).unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
}

/// The cursor of the next page: the last row's key when the page came back full.
pub fn next_cursor<T>(rows: &[T], limit: u32, key: impl Fn(&T) -> String) -> Option<String> {
    if rows.len() == limit as usize { rows.last().map(key) } else { None }
}
