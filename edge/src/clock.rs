//! The worker's notion of now, in whole seconds since the epoch (what `domain` decides over).

pub fn now() -> i64 {
    (worker::Date::now().as_millis() / 1000) as i64
}
