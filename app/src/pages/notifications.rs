//! My notifications, newest first, with mark-as-read, and which kinds I subscribe to.

use domain::api::{NotificationView, SubscriptionsBody};
use domain::notification::NotificationKind;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;

use crate::api;
use crate::components::require_sign_in::RequireSignIn;
use crate::format::timestamp;
use crate::session::Session;

#[component]
pub fn Notifications() -> impl IntoView {
    view! { <RequireSignIn><NotificationsPage /></RequireSignIn> }
}

#[component]
fn NotificationsPage() -> impl IntoView {
    let session = Session::get();
    let feed = LocalResource::new(|| api::notifications(""));
    let subscribed = RwSignal::new(Vec::<NotificationKind>::new());
    let saved = RwSignal::new(None::<String>);
    spawn_local(async move {
        if let Ok(s) = api::subscriptions().await {
            subscribed.set(s.subscribed);
        }
    });
    let read = move |id: String| {
        spawn_local(async move {
            if api::mark_read(&id).await.is_ok() {
                feed.refetch();
                session.refresh_unread();
            }
        });
    };
    let toggle = move |kind: NotificationKind| {
        subscribed.update(|s| {
            if let Some(at) = s.iter().position(|k| *k == kind) {
                s.remove(at);
            } else {
                s.push(kind);
            }
        });
        spawn_local(async move {
            let body = SubscriptionsBody { subscribed: subscribed.get_untracked() };
            saved.set(Some(match api::set_subscriptions(&body).await {
                Ok(_) => "Saved.".into(),
                Err(e) => e.message(),
            }));
        });
    };
    let row = move |n: NotificationView| {
        let id = n.id.clone();
        view! {
            <li class:is-unread=!n.read data-testid="notification">
                <div class="n-head">
                    <strong>{n.title.clone()}</strong>
                    <span class="muted">{timestamp(n.created_at)}</span>
                </div>
                <p>{n.body.clone()}</p>
                <div class="n-actions">
                    {n.connection_id.clone().map(|c| view! { <A href=format!("/connections/{c}")>"Open connection"</A> })}
                    {(!n.read).then(|| view! { <button type="button" class="link" on:click=move |_| read(id.clone())>"Mark as read"</button> })}
                </div>
            </li>
        }
    };
    view! {
        <section class="page-head"><h1>"Notifications"</h1></section>
        <ul class="feed card">
            {move || match feed.get() {
                None => view! { <li class="muted">"Loading…"</li> }.into_any(),
                Some(Err(e)) => view! { <li class="error">{e.message()}</li> }.into_any(),
                Some(Ok(f)) if f.items.is_empty() => view! { <li class="muted">"Nothing yet."</li> }.into_any(),
                Some(Ok(f)) => f.items.into_iter().map(row).collect_view().into_any(),
            }}
        </ul>
        <section class="card">
            <h2>"Notify me when"</h2>
            {NotificationKind::ALL.into_iter().map(|kind| view! {
                <label class="choice">
                    <input
                        type="checkbox"
                        name=kind.as_str()
                        prop:checked=move || subscribed.with(|s| s.contains(&kind))
                        on:change=move |_| toggle(kind)
                    />
                    <span class="choice-label">{kind.label()}</span>
                </label>
            }).collect_view()}
            <p class="muted" role="status">{move || saved.get().unwrap_or_default()}</p>
        </section>
    }
}
