//! My notifications, newest first, with mark-as-read (one, or all at once), and which kinds I
//! subscribe to.

use domain::api::{NotificationView, SubscriptionsBody};
use domain::notification::NotificationKind;
use leptos::prelude::*;

use crate::api;
use crate::components::feedback::{Loaded, Outcome};
use crate::components::require_sign_in::RequireSignIn;
use crate::components::toast::use_toasts;
use crate::format::timestamp;
use crate::io::{Said, load, write};
use crate::session::use_unread;

#[component]
pub fn Notifications() -> impl IntoView {
    view! { <RequireSignIn><NotificationsPage /></RequireSignIn> }
}

#[component]
fn NotificationsPage() -> impl IntoView {
    let unread = use_unread();
    let feed = load(|| api::notifications(""));
    let subscriptions = load(api::subscriptions);
    let read_failed = RwSignal::new(None::<Said>);
    let read = Callback::new(move |result: Said| {
        read_failed.set(result.err().map(Err));
        feed.refetch();
        unread.refresh();
    });
    let toasts = use_toasts();
    let mark_all = write(move || async move {
        let result = match api::mark_all_read().await {
            Ok(done) => Ok(match done.marked {
                1 => "1 notification marked as read.".to_string(),
                n => format!("{n} notifications marked as read."),
            }),
            Err(e) => Err(e.message()),
        };
        if let Ok(text) = &result {
            toasts.ok(text.clone());
        }
        read.run(result.clone());
        result
    });
    view! {
        <section class="page-head">
            <h1>"Notifications"</h1>
            <Show when=move || { unread.count() > 0 }>
                <button type="button" class="secondary" id="mark-all-read" disabled=mark_all.pending()
                    on:click=move |_| { mark_all.dispatch(()); }>"Mark all as read"</button>
            </Show>
        </section>
        <Outcome said=read_failed />
        <Loaded view=move || feed.get().map(|f| f.map(|f| view! {
                <ul class="feed card">
                    {if f.items.is_empty() {
                        view! { <li class="muted">"Nothing yet."</li> }.into_any()
                    } else {
                        f.items.into_iter().map(|n| view! { <Notification notification=n read=read /> }).collect_view().into_any()
                    }}
                </ul>
            }.into_any())) />
        <section class="card">
            <h2>"Notify me when"</h2>
            <Loaded view=move || subscriptions.get().map(|s| s.map(|s| view! { <Subscriptions subscribed=s.subscribed /> }.into_any())) />
        </section>
    }
}

#[component]
fn Notification(notification: NotificationView, read: Callback<Said>) -> impl IntoView {
    let n = notification;
    let id = n.id.clone();
    let mark_read = write(move || {
        let id = id.clone();
        async move {
            let result = api::mark_read(&id).await.map(|()| String::new()).map_err(|e| e.message());
            read.run(result.clone());
            result
        }
    });
    view! {
        <li class:is-unread=!n.read data-testid="notification">
            <div class="n-head">
                <strong>{n.title}</strong>
                <span class="muted">{timestamp(n.created_at)}</span>
            </div>
            <p>{n.body}</p>
            <div class="n-actions">
                {n.connection_id.map(|c| view! { <a href=format!("/connections/{c}")>"Open connection"</a> })}
                {(!n.read).then(|| view! {
                    <button type="button" class="link" disabled=mark_read.pending() on:click=move |_| { mark_read.dispatch(()); }>"Mark as read"</button>
                })}
            </div>
        </li>
    }
}

/// One checkbox per kind; every change is saved at once.
#[component]
fn Subscriptions(subscribed: Vec<NotificationKind>) -> impl IntoView {
    let subscribed = RwSignal::new(subscribed);
    let save = write(move || {
        let body = SubscriptionsBody { subscribed: subscribed.get_untracked() };
        async move { api::set_subscriptions(&body).await.map(|_| "Saved.".to_string()).map_err(|e| e.message()) }
    });
    let toggle = move |kind: NotificationKind| {
        subscribed.update(|s| {
            if let Some(at) = s.iter().position(|k| *k == kind) {
                s.remove(at);
            } else {
                s.push(kind);
            }
        });
        save.dispatch(());
    };
    let saved = move || save.value().get().map(|r| r.unwrap_or_else(|message| message));
    view! {
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
        <p class="muted" role="status">{saved}</p>
    }
}
