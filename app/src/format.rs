//! Formatting for people: times as the browser's local date and time, counts with their noun.

/// Seconds since the epoch as a local date-time string.
pub fn timestamp(seconds: i64) -> String {
    let date = web_sys::js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(seconds as f64 * 1000.0));
    String::from(date.to_locale_string("en-GB", &wasm_bindgen::JsValue::UNDEFINED))
}

/// "1 member", "3 members".
pub fn members(n: usize) -> String {
    match n {
        1 => "1 member".to_string(),
        n => format!("{n} members"),
    }
}
