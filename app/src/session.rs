//! Who is signed in, shared by every page through context. Loaded once at start, replaced on
//! sign-in and sign-out.

use domain::api::MeResponse;
use domain::permission::Permission;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;

#[derive(Clone, Copy)]
pub struct Session {
    /// `None` until the first answer arrives.
    state: RwSignal<Option<Option<MeResponse>>>,
    /// Unread notifications, for the header badge.
    pub unread: RwSignal<i64>,
}

impl Session {
    pub fn provide() -> Session {
        let session = Session { state: RwSignal::new(None), unread: RwSignal::new(0) };
        provide_context(session);
        session.reload();
        session
    }

    pub fn get() -> Session {
        expect_context::<Session>()
    }

    pub fn reload(self) {
        spawn_local(async move {
            // A transport failure counts as signed out: the sign-in page says more when tried.
            let me = api::me().await.ok().flatten();
            let signed_in = me.is_some();
            self.state.set(Some(me));
            if signed_in {
                self.refresh_unread();
            }
        });
    }

    pub fn set(self, me: Option<MeResponse>) {
        let signed_in = me.is_some();
        self.state.set(Some(me));
        if signed_in {
            self.refresh_unread();
        } else {
            self.unread.set(0);
        }
    }

    pub fn refresh_unread(self) {
        spawn_local(async move {
            if let Ok(feed) = api::notifications("").await {
                self.unread.set(feed.unread);
            }
        });
    }

    pub fn loaded(self) -> bool {
        self.state.with(Option::is_some)
    }

    pub fn me(self) -> Option<MeResponse> {
        self.state.get().flatten()
    }

    pub fn is_admin(self) -> bool {
        self.state.with(|s| s.as_ref().and_then(|m| m.as_ref()).is_some_and(|m| m.is_admin))
    }

    pub fn signed_in(self) -> bool {
        self.state.with(|s| s.as_ref().is_some_and(Option::is_some))
    }

    pub fn can_view_connections(self) -> bool {
        self.state.with(|s| {
            s.as_ref().and_then(|m| m.as_ref()).is_some_and(|m| {
                m.is_admin
                    || m.permissions
                        .iter()
                        .any(|p| matches!(p, Permission::ConnectionsView | Permission::ConnectionsManage))
            })
        })
    }

    pub fn can_manage_connections(self) -> bool {
        self.state.with(|s| {
            s.as_ref()
                .and_then(|m| m.as_ref())
                .is_some_and(|m| m.is_admin || m.permissions.contains(&Permission::ConnectionsManage))
        })
    }
}
