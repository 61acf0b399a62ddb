//! How large a request body may be ("bounded everything", ARCHITECTURE.md). The worker refuses a
//! body over the cap from its declared `Content-Length` before reading anything, and keeps
//! nothing of a body without one once it passes the cap, so a stranger cannot make it hold (or
//! hash) megabytes.

/// The largest request body any route takes: a connection with every field at its longest is
/// a few KiB, so 64 KiB leaves room without letting a body cost memory or CPU.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// How much of a body past the cap is read and dropped before the stream is cut off: enough
/// that an ordinary client still sending an oversized body gets to read its 413, small enough
/// that nobody can keep the worker busy with it.
pub const DRAIN_BYTES: usize = 1024 * 1024;

/// What a declared `Content-Length` says about the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Declared {
    /// Over the cap: refuse without reading.
    TooLarge,
    /// Within the cap, or not declared (or unreadable): read it, counting as it arrives.
    Read,
}

/// Judge a request's `Content-Length` before anything is read.
pub fn check_declared(content_length: Option<&str>) -> Declared {
    match content_length.map(str::trim).and_then(|v| v.parse::<u64>().ok()) {
        Some(n) if n > MAX_BODY_BYTES as u64 => Declared::TooLarge,
        _ => Declared::Read,
    }
}

/// Whether the request declares a length within the cap: then the runtime hands over exactly
/// that many bytes, and the body can be read whole in one step instead of chunk by chunk.
pub fn declared_within_cap(content_length: Option<&str>) -> bool {
    content_length.map(str::trim).and_then(|v| v.parse::<u64>().ok()).is_some_and(|n| n <= MAX_BODY_BYTES as u64)
}

/// Whether a body that has reached `read_so_far` bytes is over the cap.
pub fn over_cap(read_so_far: usize) -> bool {
    read_so_far > MAX_BODY_BYTES
}

/// Whether to keep reading (and dropping) an oversized body after `dropped` bytes past the cap.
pub fn keep_draining(dropped: usize) -> bool {
    dropped <= DRAIN_BYTES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_declared_length_over_the_cap_is_refused() {
        assert_eq!(check_declared(Some("65537")), Declared::TooLarge);
        assert_eq!(check_declared(Some(" 8388608 ")), Declared::TooLarge);
        assert_eq!(check_declared(Some("18446744073709551615")), Declared::TooLarge);
    }

    #[test]
    fn only_a_declared_length_within_the_cap_is_read_whole() {
        assert!(declared_within_cap(Some("23")));
        assert!(declared_within_cap(Some(" 65536 ")));
        assert!(!declared_within_cap(Some("65537")));
        assert!(!declared_within_cap(Some("-1")));
        assert!(!declared_within_cap(Some("twelve")));
        assert!(!declared_within_cap(None));
    }

    #[test]
    fn the_cap_itself_and_smaller_bodies_are_read() {
        assert_eq!(check_declared(Some("65536")), Declared::Read);
        assert_eq!(check_declared(Some("0")), Declared::Read);
    }

    #[test]
    fn bodies_without_a_usable_length_are_read_with_the_cap() {
        assert_eq!(check_declared(None), Declared::Read);
        assert_eq!(check_declared(Some("lots")), Declared::Read);
        assert!(!over_cap(MAX_BODY_BYTES));
        assert!(over_cap(MAX_BODY_BYTES + 1));
    }

    #[test]
    fn an_oversized_stream_is_drained_only_so_far() {
        assert!(keep_draining(1));
        assert!(keep_draining(DRAIN_BYTES));
        assert!(!keep_draining(DRAIN_BYTES + 1));
    }
}
