//! "Use from a bot": a connection's id, and its token call and proxy call as `curl`, Python and
//! JavaScript with this deployment's origin filled in (the text is `domain::bot_snippets`).

use domain::api::ConnectionView;
use domain::bot_snippets::{KEY_VARIABLE, Language, snippets};
use domain::connection::GrantType;
use domain::token::TokenKind;
use leptos::prelude::*;

/// The token a bot most likely wants: the shared one when the connection has (or fetches) one,
/// else the person's own.
fn likely_token(c: &ConnectionView) -> TokenKind {
    if c.grant_type == GrantType::ClientCredentials || c.shared_token.is_some() {
        TokenKind::Shared
    } else {
        TokenKind::User
    }
}

#[component]
pub fn BotPanel(connection: ConnectionView) -> impl IntoView {
    let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
    let all = snippets(&origin, &connection.id, likely_token(&connection));
    let chosen = RwSignal::new(Language::Curl);
    let shown = move |pick: fn(&domain::bot_snippets::Snippets) -> String| {
        let all = all.clone();
        move || all.iter().find(|s| s.language == chosen.get()).map(pick).unwrap_or_default()
    };
    let token_call = Signal::derive(shown(|s| s.token_call.clone()));
    let proxy_call = Signal::derive(shown(|s| s.proxy_call.clone()));
    view! {
        <section class="card" data-testid="bot-panel">
            <h2>"Use from a bot"</h2>
            <p class="muted">
                "Connection id " <code data-testid="bot-connection-id">{connection.id.clone()}</code>
                ". Create a key under " <a href="/api-keys">"API keys"</a> " and put it in "
                <code>{KEY_VARIABLE}</code> "."
            </p>
            <div class="tabs" role="tablist">
                {Language::ALL.into_iter().map(|language| view! {
                    <button type="button" role="tab" class="secondary small"
                        data-testid=format!("bot-tab-{language}")
                        aria-selected=move || (chosen.get() == language).to_string()
                        on:click=move |_| chosen.set(language)>
                        {language.label()}
                    </button>
                }).collect_view()}
            </div>
            <Snippet title="Get a token" testid="bot-token-call" text=token_call />
            <Snippet title="Call the provider's API through the proxy" testid="bot-proxy-call" text=proxy_call />
        </section>
    }
}

#[component]
fn Snippet(title: &'static str, testid: &'static str, text: Signal<String>) -> impl IntoView {
    let copied = RwSignal::new(false);
    let copy = move |_| {
        if let Some(window) = web_sys::window() {
            // Fire-and-forget: a refused clipboard leaves the text selectable.
            let _ = window.navigator().clipboard().write_text(&text.get_untracked());
            copied.set(true);
        }
    };
    view! {
        <div class="snippet">
            <div class="snippet-head">
                <h3>{title}</h3>
                <button type="button" class="secondary small" data-testid=format!("{testid}-copy") on:click=copy>
                    {move || if copied.get() { "Copied" } else { "Copy" }}
                </button>
            </div>
            <pre data-testid=testid tabindex="0"><code>{move || text.get()}</code></pre>
        </div>
    }
}
