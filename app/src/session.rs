//! Who is signed in, shared by every page through context: loaded once at start, replaced on
//! sign-in and sign-out. What a person may do is `domain::permission::Grants`, the worker's own
//! rules, never re-derived here.

use domain::api::MeResponse;
use domain::permission::Grants;
use leptos::prelude::*;

use crate::api;
use crate::io::{Fetch, load};

#[derive(Debug, Clone, PartialEq)]
pub enum Session {
    /// The first answer has not arrived.
    Loading,
    SignedOut,
    SignedIn(MeResponse),
}

/// The session in context.
pub fn use_session() -> RwSignal<Session> {
    expect_context::<RwSignal<Session>>()
}

/// The unread count in context.
pub fn use_unread() -> Unread {
    expect_context::<Unread>()
}

/// Start loading who is signed in and put the session and its unread count in context.
pub fn provide_session() {
    let session = RwSignal::new(Session::Loading);
    provide_context(session);
    // A transport failure counts as signed out: the sign-in page says more when tried.
    let first = load(api::me);
    Effect::new(move || {
        if let Some(me) = first.get() {
            // A sign-in that answered first wins over the start-up answer.
            session.update(|s| {
                if *s == Session::Loading {
                    *s = Session::from(me.ok().flatten());
                }
            });
        }
    });
    provide_context(Unread(load(move || {
        let signed_in = session.with(Session::signed_in);
        async move {
            if !signed_in {
                return 0;
            }
            api::notifications("").await.map(|feed| feed.unread).unwrap_or(0)
        }
    })));
}

impl Session {
    pub fn me(&self) -> Option<&MeResponse> {
        match self {
            Session::SignedIn(me) => Some(me),
            Session::Loading | Session::SignedOut => None,
        }
    }

    pub fn signed_in(&self) -> bool {
        self.me().is_some()
    }

    /// What the signed-in person may do; nothing for anyone else.
    pub fn grants(&self) -> Grants {
        match self.me() {
            Some(me) => Grants { is_admin: me.is_admin, permissions: me.permissions.clone() },
            None => Grants { is_admin: false, permissions: Vec::new() },
        }
    }

    pub fn is_admin(&self) -> bool {
        self.grants().is_admin
    }

    pub fn can_view_connections(&self) -> bool {
        self.grants().can_view_connections()
    }

    pub fn can_manage_connections(&self) -> bool {
        self.grants().can_manage_connections()
    }
}

impl From<Option<MeResponse>> for Session {
    fn from(me: Option<MeResponse>) -> Self {
        me.map_or(Session::SignedOut, Session::SignedIn)
    }
}

/// Unread notifications, for the header badge; reloaded when the session changes and when a
/// notification is read.
#[derive(Clone, Copy)]
pub struct Unread(pub Fetch<i64>);

impl Unread {
    pub fn count(self) -> i64 {
        self.0.get().unwrap_or(0)
    }

    pub fn refresh(self) {
        self.0.refetch();
    }
}
