//! Entry point of the SPA: install the panic hook and mount the app on `<body>`.

mod api;
mod app;
mod components;
mod format;
mod io;
mod nav;
mod pages;
mod session;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
